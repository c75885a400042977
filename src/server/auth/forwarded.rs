//! The client's address behind reverse proxies. Each proxy appends the address it received the
//! request from to `X-Forwarded-For`, so only the rightmost entries were written by proxies we
//! run; everything to their left came from the client and may be forged.

/// The client address in an `X-Forwarded-For` value written through `hops` trusted proxies: the
/// `hops`-th entry from the right (the one the outermost proxy appended). With fewer entries,
/// the leftmost (the request skipped a proxy). `None` when `hops` is 0 or the header is empty.
pub fn client_from_forwarded(header: &str, hops: usize) -> Option<String> {
    if hops == 0 {
        return None;
    }
    let entries: Vec<&str> = header
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let index = entries.len().saturating_sub(hops);
    entries.get(index).map(|v| (*v).to_owned())
}

#[cfg(test)]
mod tests {
    use super::client_from_forwarded;

    #[test]
    fn the_client_is_counted_from_the_right() {
        let header = "6.6.6.6, 203.0.113.9, 10.0.0.2";
        assert_eq!(client_from_forwarded(header, 0), None, "no proxy: ignored");
        assert_eq!(client_from_forwarded(header, 1).unwrap(), "10.0.0.2");
        assert_eq!(client_from_forwarded(header, 2).unwrap(), "203.0.113.9");
        assert_eq!(client_from_forwarded(header, 5).unwrap(), "6.6.6.6");
        assert_eq!(client_from_forwarded(" , ", 1), None);
    }
}
