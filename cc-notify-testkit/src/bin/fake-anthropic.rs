//! Runs the Anthropic Messages API stand-in in the foreground, for trying Claude Code by hand:
//! prints its base URL (for `ANTHROPIC_BASE_URL`), then one line per request it answers.

use std::time::Duration;

use cc_notify_testkit::anthropic::FakeAnthropic;

fn main() -> std::process::ExitCode {
    let api = match FakeAnthropic::start() {
        Ok(api) => api,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", api.url());
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let requests = api.requests();
        for r in requests.iter().skip(seen) {
            println!("{} {} -> {}", r.method, r.url, r.answer);
        }
        seen = requests.len();
    }
}
