//! Settings files as people keep them: links into dotfiles, read-only files, byte-order marks,
//! CRLF line endings, their own indentation; and nothing left behind.

use std::os::unix::fs::MetadataExt;

use super::*;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).unwrap().file_type().is_symlink()
}

#[test]
fn a_link_to_a_file_that_does_not_exist_yet_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let dotfiles = dir.path().join("dotfiles").join("claude");
    fs::create_dir_all(&dotfiles).unwrap();
    let claude = dir.path().join(".claude");
    fs::create_dir(&claude).unwrap();
    let link = claude.join("settings.json");
    // Relative, as dotfile managers make them; the target does not exist yet.
    std::os::unix::fs::symlink("../dotfiles/claude/settings.json", &link).unwrap();

    let report = install_file(&link, CMD, WRITE).unwrap();
    assert!(is_link(&link), "the link was replaced by a file");
    let target = dotfiles.join("settings.json");
    assert_eq!(
        report.path,
        dotfiles.canonicalize().unwrap().join("settings.json"),
        "the message names the file that was written"
    );
    assert_eq!(ours(&parse(&read(&target))).len(), EVENTS.len());
    assert_eq!(listing(&claude), ["settings.json"]);

    uninstall_file(&link, WRITE).unwrap();
    assert!(is_link(&link));
    assert!(ours(&parse(&read(&target))).is_empty());
}

#[test]
fn a_chain_of_links_is_followed_and_a_loop_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    fs::write(&real, "{}").unwrap();
    std::os::unix::fs::symlink(&real, dir.path().join("b.json")).unwrap();
    std::os::unix::fs::symlink("b.json", dir.path().join("a.json")).unwrap();
    install_file(&dir.path().join("a.json"), CMD, WRITE).unwrap();
    assert!(is_link(&dir.path().join("a.json")) && is_link(&dir.path().join("b.json")));
    assert_eq!(ours(&parse(&read(&real))).len(), EVENTS.len());

    std::os::unix::fs::symlink("loop2", dir.path().join("loop1")).unwrap();
    std::os::unix::fs::symlink("loop1", dir.path().join("loop2")).unwrap();
    let e = install_file(&dir.path().join("loop1"), CMD, WRITE).unwrap_err();
    assert!(e.to_string().contains("symbolic links"), "{e}");
}

#[test]
fn a_read_only_file_is_refused_and_left_untouched_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let original = "{\"model\": \"opus\"}\n";
    fs::write(&path, original).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let inode = fs::metadata(&path).unwrap().ino();

    for e in [
        install_file(&path, CMD, WRITE).unwrap_err(),
        install_file(&path, CMD, DRY).unwrap_err(),
    ] {
        let msg = e.to_string();
        assert!(
            msg.contains("read-only (mode 444)") && msg.contains("--force"),
            "{msg}"
        );
    }
    assert_eq!(read(&path), original);
    assert_eq!(
        fs::metadata(&path).unwrap().ino(),
        inode,
        "the file was replaced"
    );
    assert_eq!(listing(dir.path()), ["settings.json"]);

    let forced = EditOptions {
        dry_run: false,
        force: true,
    };
    install_file(&path, CMD, forced).unwrap();
    assert_eq!(ours(&parse(&read(&path))).len(), EVENTS.len());
    assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o444);
}

#[test]
fn a_file_of_another_user_is_refused() {
    assert_eq!(read_only_reason(0o100644, 1000, 1000), None);
    assert_eq!(
        read_only_reason(0o100444, 1000, 1000).as_deref(),
        Some("is read-only (mode 444)")
    );
    assert_eq!(
        read_only_reason(0o100666, 0, 1000).as_deref(),
        Some("belongs to another user (uid 0)")
    );
    // Root may write anything, so only the owner says whose file it is.
    assert!(read_only_reason(0o100644, 1000, 0).is_some());

    if rustix::process::geteuid().as_raw() != 0 {
        // Only root can hand a file to someone else; the rule itself is checked above.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    fs::write(&path, "{}").unwrap();
    std::os::unix::fs::chown(&path, Some(4242), Some(4242)).unwrap();
    let e = install_file(&path, CMD, WRITE).unwrap_err().to_string();
    assert!(e.contains("belongs to another user (uid 4242)"), "{e}");
    assert_eq!(read(&path), "{}");
    let forced = EditOptions {
        dry_run: false,
        force: true,
    };
    install_file(&path, CMD, forced).unwrap();
    let meta = fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4242, 4242), "the owner changed");
}

#[test]
fn a_byte_order_mark_is_accepted_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let original = [BOM, b"{\n  \"model\": \"opus\"\n}\n"].concat();
    fs::write(&path, &original).unwrap();

    install_file(&path, CMD, WRITE).unwrap();
    let written = fs::read(&path).unwrap();
    assert!(written.starts_with(BOM), "the mark was dropped");
    assert!(!written[3..].starts_with(BOM), "the mark was doubled");
    let doc: Value = serde_json::from_slice(&written[3..]).unwrap();
    assert_eq!(ours(&doc).len(), EVENTS.len());
    assert_eq!(installed_in(&path).unwrap().missing, Vec::<&str>::new());

    uninstall_file(&path, WRITE).unwrap();
    assert_eq!(fs::read(&path).unwrap(), original);
}

#[test]
fn crlf_line_endings_and_the_indentation_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let original =
        "{\r\n    \"model\": \"opus\",\r\n    \"env\": {\r\n        \"A\": \"1\"\r\n    }\r\n}\r\n";
    fs::write(&path, original).unwrap();

    install_file(&path, CMD, WRITE).unwrap();
    let written = read(&path);
    assert_eq!(
        written.matches('\n').count(),
        written.matches("\r\n").count(),
        "a line lost its CR:\n{written:?}"
    );
    assert!(written.ends_with("}\r\n"));
    assert!(
        written.starts_with("{\r\n    \"model\": \"opus\",\r\n    \"env\": {\r\n        \"A\"")
    );
    assert!(written.contains("\r\n    \"hooks\": {\r\n        \"SessionStart\": ["));

    // Adding only touches what it adds; removing gives back the original exactly, even
    // without the kept copy.
    fs::remove_file(dir.path().join("settings.json.before-cc-notify")).unwrap();
    uninstall_file(&path, WRITE).unwrap();
    assert_eq!(read(&path), original);
}

#[test]
fn tabs_one_line_files_and_a_missing_final_newline_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    for (original, expect_start, ends_with_newline) in [
        (
            "{\n\t\"a\": 1\n}\n",
            "{\n\t\"a\": 1,\n\t\"hooks\": {\n\t\t\"",
            true,
        ),
        ("{\"a\":1}", "{\"a\":1,\"hooks\":{\"SessionStart\"", false),
        (
            "{\n  \"a\": 1\n}",
            "{\n  \"a\": 1,\n  \"hooks\": {\n    \"",
            false,
        ),
    ] {
        let path = dir.path().join("settings.json");
        fs::write(&path, original).unwrap();
        install_file(&path, CMD, WRITE).unwrap();
        let written = read(&path);
        assert!(
            written.starts_with(expect_start),
            "{original:?} became {written:?}"
        );
        assert_eq!(written.ends_with('\n'), ends_with_newline, "{written:?}");
        uninstall_file(&path, WRITE).unwrap();
        assert_eq!(read(&path), original);
    }
}

#[test]
fn no_lock_or_temp_file_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    fs::write(&path, "{}").unwrap();
    // What an earlier version left behind goes too.
    fs::write(dir.path().join(".settings.json.cc-notify.lock"), "").unwrap();
    install_file(&path, CMD, WRITE).unwrap();
    assert_eq!(
        listing(dir.path()),
        ["settings.json", "settings.json.before-cc-notify"]
    );
    install_file(&path, CMD, WRITE).unwrap();
    uninstall_file(&path, WRITE).unwrap();
    assert_eq!(listing(dir.path()), ["settings.json"]);
}

#[test]
fn an_original_changed_since_is_kept_not_put_back_and_replaced_by_the_next_fresh_install() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let backup = dir.path().join("settings.json.before-cc-notify");
    fs::write(&path, "{\"a\": 1}\n").unwrap();
    install_file(&path, CMD, WRITE).unwrap();

    // The user changes the file while our hooks are in it.
    let mut doc = parse(&read(&path));
    doc["b"] = json!(2);
    fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let removed = uninstall_file(&path, WRITE).unwrap();
    assert!(!removed.restored);
    assert_eq!(removed.original.as_deref(), Some(backup.as_path()));
    let now = parse(&read(&path));
    assert_eq!(now, json!({"a": 1, "b": 2}), "the user's change is kept");
    assert_eq!(read(&backup), "{\"a\": 1}\n", "the original is kept");

    // Installing again into a file without our hooks: that file is the new original.
    install_file(&path, CMD, WRITE).unwrap();
    assert_eq!(parse(&read(&backup)), json!({"a": 1, "b": 2}));
    uninstall_file(&path, WRITE).unwrap();
    assert_eq!(parse(&read(&path)), json!({"a": 1, "b": 2}));
    assert!(!backup.exists());
}

#[test]
fn text_style_round_trips_any_text() {
    let cases: [&[u8]; 5] = [
        b"",
        b"a\nb\n",
        b"a\r\nb\r\n",
        b"\xef\xbb\xbfa\r\nb",
        b"\xef\xbb\xbf",
    ];
    for bytes in cases {
        let (text, style) = TextStyle::decode(bytes.to_vec(), Path::new("f")).unwrap();
        assert!(
            !text.contains('\r') && !text.starts_with('\u{feff}'),
            "{text:?}"
        );
        assert_eq!(style.encode(&text), bytes);
    }
}

#[test]
fn any_text_file_can_be_edited_with_the_same_guarantees() {
    // The layer under install knows no format: here a TOML file with a BOM and CRLF, as
    // another agent's config might be kept, gets a line and loses it again.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let original = [BOM, b"model = \"o3\"\r\n[tui]\r\nnotifications = true\r\n"].concat();
    fs::write(&path, &original).unwrap();
    let line = "notify = [\"cc-notify\", \"hook\"]\n";

    let add = |found: &Found| -> Result<Change, FileError> {
        let text = found.text.clone().unwrap_or_default();
        Ok(match text.contains(line) {
            true => Change::Keep,
            false => Change::Write {
                text: format!("{line}{text}"),
                pristine: true,
            },
        })
    };
    let edit1 = edit(&path, WRITE, add).unwrap();
    assert_eq!(edit1.changed, Changed::Yes);
    assert_eq!(
        fs::read(&path).unwrap(),
        [BOM, b"notify = [\"cc-notify\", \"hook\"]\r\nmodel = \"o3\"\r\n[tui]\r\nnotifications = true\r\n"].concat()
    );
    assert_eq!(edit(&path, WRITE, add).unwrap().changed, Changed::No);

    let restore = |_: &Found| -> Result<Change, FileError> { Ok(Change::RestoreOriginal) };
    assert!(edit(&path, WRITE, restore).unwrap().restored);
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(listing(dir.path()), ["config.toml"]);
}

#[test]
fn no_original_is_made_from_a_file_cc_notify_already_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let backup = dir.path().join("settings.json.before-cc-notify");
    // Hooks of an earlier version are in the file, and no copy of the original exists.
    let (doc, _) = install(json!({"a": 1}), "/old/cc-notify hook").unwrap();
    fs::write(&path, doc.to_string()).unwrap();
    install_file(&path, CMD, WRITE).unwrap();
    assert!(
        !backup.exists(),
        "a copy holding cc-notify's hooks is no original"
    );

    // A file deleted since it was saved: its old copy is not this file's original.
    uninstall_file(&path, WRITE).unwrap();
    fs::write(&path, "{\"a\": 1}").unwrap();
    install_file(&path, CMD, WRITE).unwrap();
    assert!(backup.exists());
    fs::remove_file(&path).unwrap();
    let report = install_file(&path, CMD, WRITE).unwrap();
    assert_eq!(report.original, None);
    assert!(!backup.exists());
}
