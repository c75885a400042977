use super::*;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

/// A fresh path under the system temp directory, in a directory that does not exist yet.
fn temp_path() -> PathBuf {
    let unique = format!(
        "enrich-keyring-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    );
    std::env::temp_dir()
        .join(unique)
        .join("nested")
        .join("keys.txt")
}

/// The permission bits of the file at `path`.
fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Whether a value sealed by `a` opens with `b`, and both compute the same blind index.
fn interchangeable(a: &KeyRing, b: &KeyRing) -> bool {
    let value = json!("AB123");
    let Ok(envelope) = a.seal("traits.national_id", &value) else {
        return false;
    };
    b.open("traits.national_id", &envelope)
        .is_ok_and(|opened| opened == value)
        && a.blind_index("x", &value) == b.blind_index("x", &value)
}

/// A valid key line's base64: 32 bytes of `byte`.
fn key_text(byte: u8) -> String {
    STANDARD.encode([byte; KEY_LEN])
}

#[test]
fn a_ring_survives_its_text_form() {
    let ring = generate().with_new_key();
    let text = ring.to_text();
    assert!(text.contains("losing it loses restricted values"));
    let read = parse(&text).unwrap();
    assert_eq!(read.ids(), ring.ids());
    assert_eq!(read.current_id(), ring.current_id());
    assert!(interchangeable(&ring, &read));
    assert!(interchangeable(&read, &ring));
}

#[test]
fn the_last_key_line_is_current_and_comments_are_ignored() {
    let text = format!(
        "# a comment\n\n  blind {}\nold {}\n   # indented comment\nnew_1 {}\n\n",
        key_text(0),
        key_text(1),
        key_text(2)
    );
    let ring = parse(&text).unwrap();
    assert_eq!(ring.ids(), vec!["old".to_owned(), "new_1".to_owned()]);
    assert_eq!(ring.current_id(), "new_1");
}

/// `template` with every `KEY` replaced by a valid base64 key.
fn with_keys(template: &str) -> String {
    template.replace("KEY", &key_text(7))
}

#[test]
fn parse_errors_name_the_line() {
    let cases = [
        ("blind KEY\n\nk1 not*base64\n", "line 3", "base64"),
        (
            "blind KEY\nk1 AAAAAAAAAAAAAAAAAAAAAA==\n",
            "line 2",
            "16 bytes",
        ),
        ("blind KEY\nk1 KEY\nk1 KEY\n", "line 3", "duplicate"),
        ("blind KEY\nblind KEY\nk1 KEY\n", "line 2", "second `blind`"),
        ("blind KEY\nK1 KEY\n", "line 2", "K1"),
        ("blind KEY\nk1\n", "line 2", "expected"),
        ("blind KEY\nk1 KEY extra\n", "line 2", "expected"),
    ];
    for (template, line, words) in cases {
        let err = parse(&with_keys(template)).unwrap_err();
        assert!(
            err.contains(line) && err.contains(words),
            "{template:?} gave {err:?}"
        );
    }
}

#[test]
fn parse_requires_a_blind_key_and_an_encryption_key() {
    let missing_blind = parse(&format!("k1 {}\n", key_text(1))).unwrap_err();
    assert!(missing_blind.contains("blind"), "{missing_blind}");
    let no_key = parse(&format!("# only\nblind {}\n", key_text(0))).unwrap_err();
    assert!(no_key.contains("no encryption key"), "{no_key}");
    assert!(parse("").is_err());
}

#[test]
fn ids_longer_than_32_characters_are_refused() {
    let long = "k".repeat(33);
    let err = parse(&format!("blind {}\n{long} {}\n", key_text(0), key_text(1))).unwrap_err();
    assert!(err.contains("line 2"), "{err}");
    let longest = "k".repeat(32);
    assert!(
        parse(&format!(
            "blind {}\n{longest} {}\n",
            key_text(0),
            key_text(1)
        ))
        .is_ok()
    );
}

#[test]
fn a_new_key_becomes_current_and_keeps_the_old_ones() {
    let ring = generate();
    assert_eq!(ring.ids(), vec!["k1".to_owned()]);
    let rotated = ring.with_new_key();
    assert_eq!(rotated.current_id(), "k2");
    assert_eq!(rotated.ids(), vec!["k1".to_owned(), "k2".to_owned()]);
    assert_eq!(ring.current_id(), "k1");
    assert!(interchangeable(&ring, &rotated));
    assert_eq!(rotated.with_new_key().current_id(), "k3");
}

#[test]
fn a_new_key_never_reuses_an_id() {
    let text = format!("blind {}\nk2 {}\n", key_text(0), key_text(1));
    let ring = parse(&text).unwrap().with_new_key();
    assert_eq!(ring.ids(), vec!["k2".to_owned(), "k3".to_owned()]);
}

#[test]
fn debug_shows_ids_but_no_key_bytes() {
    let ring = generate().with_new_key();
    let shown = format!("{ring:?}");
    assert!(shown.contains("k1") && shown.contains("k2"), "{shown}");
    assert!(!shown.contains(&STANDARD.encode(ring.blind)));
    assert!(!shown.contains(&STANDARD.encode(ring.current.bytes)));
    assert!(!shown.contains(&format!("{:?}", ring.current.bytes)));
}

#[test]
fn load_or_create_creates_a_private_file_then_loads_it() {
    let path = temp_path();
    let (created, fresh) = load_or_create(&path).unwrap();
    assert!(fresh);
    assert_eq!(mode(&path), 0o600);
    let (loaded, fresh) = load_or_create(&path).unwrap();
    assert!(!fresh);
    assert_eq!(loaded.ids(), created.ids());
    assert!(interchangeable(&created, &loaded));
    fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
}

#[test]
fn load_or_create_reports_a_broken_file() {
    let path = temp_path();
    save(&path, &generate()).unwrap();
    fs::write(&path, "blind nonsense\n").unwrap();
    let err = load_or_create(&path).unwrap_err();
    assert!(err.contains("line 1"), "{err}");
    fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
}

#[test]
fn save_replaces_the_file_atomically_and_privately() {
    let path = temp_path();
    let (ring, _) = load_or_create(&path).unwrap();
    let rotated = ring.with_new_key();
    // A leftover from a crashed save must not block the next one.
    fs::write(tmp_path(&path), "stale").unwrap();
    save(&path, &rotated).unwrap();
    assert!(!tmp_path(&path).exists());
    assert_eq!(mode(&path), 0o600);
    let (loaded, fresh) = load_or_create(&path).unwrap();
    assert!(!fresh);
    assert_eq!(loaded.current_id(), "k2");
    assert!(interchangeable(&rotated, &loaded));
    fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
}
