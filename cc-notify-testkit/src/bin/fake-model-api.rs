//! Runs the OpenAI / Gemini API stand-in in the foreground, for trying the other coding agents
//! by hand: prints its base URL, then one line per request it answers (`--bodies`: and the
//! request body on the next line).

use std::time::Duration;

use cc_notify_testkit::model_api::FakeModelApi;

fn main() -> std::process::ExitCode {
    let api = match FakeModelApi::start() {
        Ok(api) => api,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", api.url());
    let bodies = std::env::args().any(|a| a == "--bodies");
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let requests = api.requests();
        for r in requests.iter().skip(seen) {
            println!("{} {} -> {}", r.method, r.url, r.answer);
            if bodies {
                println!("{}", r.body);
            }
        }
        seen = requests.len();
    }
}
