//! The field-encryption key ring: one HMAC key for blind indexes and one or more AES-256 keys,
//! kept in a small private text file next to the data directory.
//!
//! File format (`#` comments and blank lines are ignored):
//!
//! ```text
//! blind <base64 of 32 bytes>      the HMAC-SHA256 key for blind indexes (exactly one)
//! k1 <base64 of 32 bytes>         an AES-256-GCM key; ids are [a-z0-9_-]{1,32}, never `blind`
//! k2 <base64 of 32 bytes>         the LAST key line is the current key, used to encrypt
//! ```
//!
//! Every key listed can decrypt, so rotating is: add a key ([`KeyRing::with_new_key`]), save,
//! re-encrypt stored values, and only then drop the old line.
use base64::{Engine, engine::general_purpose::STANDARD};
use rand::RngCore;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Bytes in every key of the ring: the AES-256 keys and the HMAC-SHA256 blind-index key alike.
pub const KEY_LEN: usize = 32;

/// The reserved id of the blind-index key line.
const BLIND: &str = "blind";

/// The longest key id allowed.
const MAX_ID_LEN: usize = 32;

/// Written at the top of every saved ring, so whoever finds the file knows what it is.
const HEADER: &str = "\
# enrich field-encryption key ring.
# Back this file up: losing it loses restricted values (they cannot be decrypted without it).
# Keep it private (mode 0600): whoever holds it can read every restricted value.
#
# Format: exactly one `blind <base64 32 bytes>` line (the HMAC-SHA256 key for blind indexes),
# then one or more `<key id> <base64 32 bytes>` lines (AES-256-GCM keys; ids are
# [a-z0-9_-]{1,32}). The LAST key line is the current key, used to encrypt; every key listed
# can decrypt. Lines starting with `#` and blank lines are ignored.
";

/// One AES-256 key and its id.
#[derive(Clone)]
struct Key {
    id: String,
    bytes: [u8; KEY_LEN],
}

/// The keys that protect restricted field values. Cheap to clone; its `Debug` shows key ids only,
/// never key bytes.
#[derive(Clone)]
pub struct KeyRing {
    blind: [u8; KEY_LEN],
    // Holding the current key apart from the older ones makes "there is always a current key"
    // a fact of the type rather than a runtime check.
    previous: Vec<Key>,
    current: Key,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("ids", &self.ids())
            .field("current", &self.current.id)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// A copy of this ring with a fresh random key added as the current one. Its id is
    /// `k{n+1}` for a ring of `n` keys, counting further up if that id is already taken.
    pub fn with_new_key(&self) -> KeyRing {
        let taken = self.ids();
        let mut n = taken.len() + 1;
        while taken.contains(&format!("k{n}")) {
            n += 1;
        }
        let mut previous = self.previous.clone();
        previous.push(self.current.clone());
        KeyRing {
            blind: self.blind,
            previous,
            current: Key {
                id: format!("k{n}"),
                bytes: random_key(),
            },
        }
    }

    /// The ring in the file format [`parse`] reads, with an explanatory comment on top.
    pub fn to_text(&self) -> String {
        let mut text = String::from(HEADER);
        let blind = (BLIND, &self.blind);
        let keys = self.keys().map(|key| (key.id.as_str(), &key.bytes));
        for (id, bytes) in std::iter::once(blind).chain(keys) {
            text.push_str(id);
            text.push(' ');
            STANDARD.encode_string(bytes, &mut text);
            text.push('\n');
        }
        text
    }

    /// The id of the key new values are encrypted under.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Every key id, oldest first; the last is [`KeyRing::current_id`].
    pub fn ids(&self) -> Vec<String> {
        self.keys().map(|key| key.id.clone()).collect()
    }

    /// The current key's id and bytes.
    pub(super) fn current_key(&self) -> (&str, &[u8; KEY_LEN]) {
        (&self.current.id, &self.current.bytes)
    }

    /// The bytes of the key with this id, if the ring holds it.
    pub(super) fn key(&self, id: &str) -> Option<&[u8; KEY_LEN]> {
        self.keys().find(|key| key.id == id).map(|key| &key.bytes)
    }

    /// The HMAC key for blind indexes.
    pub(super) fn blind_key(&self) -> &[u8; KEY_LEN] {
        &self.blind
    }

    /// All encryption keys, oldest first, current last.
    fn keys(&self) -> impl Iterator<Item = &Key> {
        self.previous.iter().chain(std::iter::once(&self.current))
    }
}

/// Reads a ring from the file format (see the module docs). Errors are in words and name the
/// offending line.
pub fn parse(text: &str) -> Result<KeyRing, String> {
    let mut blind = None;
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        add_line(line, &mut blind, &mut keys)
            .map_err(|err| format!("line {}: {err}", index + 1))?;
    }
    let blind = blind.ok_or("missing the `blind <base64 32 bytes>` line (the blind-index key)")?;
    let current = keys
        .pop()
        .ok_or("no encryption key: add a `<key id> <base64 32 bytes>` line")?;
    Ok(KeyRing {
        blind,
        previous: keys,
        current,
    })
}

/// Adds one non-comment line to the blind key or the encryption keys read so far.
fn add_line(
    line: &str,
    blind: &mut Option<[u8; KEY_LEN]>,
    keys: &mut Vec<Key>,
) -> Result<(), String> {
    let (id, bytes) = parse_line(line)?;
    if id == BLIND {
        if blind.replace(bytes).is_some() {
            Err("a second `blind` line; there must be exactly one".into())
        } else {
            Ok(())
        }
    } else if keys.iter().any(|key| key.id == id) {
        Err(format!("duplicate key id `{id}`"))
    } else {
        keys.push(Key {
            id: id.to_owned(),
            bytes,
        });
        Ok(())
    }
}

/// One non-comment line: `<id> <base64 key>`.
fn parse_line(line: &str) -> Result<(&str, [u8; KEY_LEN]), String> {
    let mut words = line.split_whitespace();
    let (Some(id), Some(encoded), None) = (words.next(), words.next(), words.next()) else {
        return Err("expected `<key id> <base64 key>`".into());
    };
    if id != BLIND && !is_valid_id(id) {
        return Err(format!(
            "key id `{id}` must be 1 to {MAX_ID_LEN} of a-z, 0-9, `_` and `-`"
        ));
    }
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|err| format!("key `{id}` is not valid base64 ({err})"))?;
    let bytes: [u8; KEY_LEN] = bytes.try_into().map_err(|bytes: Vec<u8>| {
        format!(
            "key `{id}` is {} bytes long; it must be {KEY_LEN}",
            bytes.len()
        )
    })?;
    Ok((id, bytes))
}

/// Whether `id` is 1–32 characters of `[a-z0-9_-]`.
fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A new ring: a random blind-index key and one random encryption key, `k1`.
pub fn generate() -> KeyRing {
    KeyRing {
        blind: random_key(),
        previous: Vec::new(),
        current: Key {
            id: "k1".into(),
            bytes: random_key(),
        },
    }
}

/// Reads the ring at `path`; if there is no file yet, creates one (and its parent directories)
/// holding a freshly generated ring, readable by the owner only. The flag is `true` when the
/// ring was just created.
pub fn load_or_create(path: &Path) -> Result<(KeyRing, bool), String> {
    match fs::read_to_string(path) {
        Ok(text) => parse(&text)
            .map(|ring| (ring, false))
            .map_err(|err| format!("{}: {err}", path.display())),
        Err(err) if err.kind() == ErrorKind::NotFound => {
            let ring = generate();
            create_parent(path)?;
            write_new_private(path, &ring.to_text())
                .map_err(|err| format!("cannot create {}: {err}", path.display()))?;
            Ok((ring, true))
        }
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
}

/// Writes `ring` to `path` atomically: a private `<path>.tmp` first, then a rename over `path`,
/// so a crash never leaves a half-written ring behind.
pub fn save(path: &Path, ring: &KeyRing) -> Result<(), String> {
    let tmp = tmp_path(path);
    create_parent(path)?;
    // A leftover from a crashed save would make the exclusive create below fail.
    if let Err(err) = fs::remove_file(&tmp)
        && err.kind() != ErrorKind::NotFound
    {
        return Err(format!("cannot remove stale {}: {err}", tmp.display()));
    }
    write_new_private(&tmp, &ring.to_text())
        .map_err(|err| format!("cannot write {}: {err}", tmp.display()))?;
    fs::rename(&tmp, path).map_err(|err| format!("cannot replace {}: {err}", path.display()))
}

/// `<path>.tmp`, beside `path`.
fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Creates the directories `path` lives in, if missing.
fn create_parent(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(dir) => fs::create_dir_all(dir)
            .map_err(|err| format!("cannot create directory {}: {err}", dir.display())),
        None => Ok(()),
    }
}

/// Creates `path` (failing if it exists) with mode 0600 and writes `text` to disk.
fn write_new_private(path: &Path, text: &str) -> io::Result<()> {
    // Created with 0600 from the start, so the keys are never readable by others, even briefly.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// 32 bytes from the thread-local CSPRNG (ChaCha, seeded from the OS).
fn random_key() -> [u8; KEY_LEN] {
    let mut bytes = [0u8; KEY_LEN];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
#[path = "keyring_tests.rs"]
mod tests;
