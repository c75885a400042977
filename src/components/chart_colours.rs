//! One colour per event name, kept while the page is open: a name is drawn in the same colour
//! in every chart and table and after every update, however the ranking changes.
use plotters::style::RGBColor;

/// Okabe–Ito colours, told apart by readers with any common colour-vision deficiency; its
/// yellow is swapped for slate, which stands out on a white card.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(51, 65, 85),
];

/// Which palette colour each name was given, in the order they were given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameColours {
    given: Vec<(String, usize)>,
}

impl NameColours {
    /// The colour of each of `names` (drawn together). A name keeps the colour it was given
    /// before; a new one gets the colour its name hashes to, or the next one the others shown
    /// do not use. Only when more names are shown than the palette holds do colours repeat.
    pub fn colours_for(&mut self, names: &[String]) -> Vec<RGBColor> {
        let mut used: Vec<usize> = Vec::new();
        let mut slots: Vec<Option<usize>> = names
            .iter()
            .map(|name| {
                let slot = self.slot_of(name).filter(|s| !used.contains(s));
                used.extend(slot);
                slot
            })
            .collect();
        for (name, slot) in names.iter().zip(&mut slots) {
            if slot.is_none() {
                let preferred = hash(name) % PALETTE.len();
                let free = (0..PALETTE.len())
                    .map(|i| (preferred + i) % PALETTE.len())
                    .find(|s| !used.contains(s))
                    .unwrap_or(preferred);
                used.push(free);
                self.give(name, free);
                *slot = Some(free);
            }
        }
        slots.into_iter().map(|s| PALETTE[s.unwrap_or(0)]).collect()
    }

    /// The colour `name` was given, if any.
    pub fn get(&self, name: &str) -> Option<RGBColor> {
        self.slot_of(name).map(|s| PALETTE[s])
    }

    fn slot_of(&self, name: &str) -> Option<usize> {
        self.given.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
    }

    fn give(&mut self, name: &str, slot: usize) {
        self.given.retain(|(n, _)| n != name);
        self.given.push((name.to_owned(), slot));
    }
}

/// FNV-1a: the same on the server and in the browser, whatever the Rust version.
fn hash(name: &str) -> usize {
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h % 1_000_003) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn item_16_a_name_keeps_its_colour_when_the_ranking_changes() {
        let mut colours = NameColours::default();
        let first = colours.colours_for(&names(&["Page Viewed", "Signed Up", "Order Completed"]));
        let reordered =
            colours.colours_for(&names(&["Order Completed", "Cart Viewed", "Page Viewed"]));
        assert_eq!(reordered[0], first[2], "Order Completed keeps its colour");
        assert_eq!(reordered[2], first[0], "Page Viewed keeps its colour");
        assert!(!first.contains(&reordered[1]) || reordered[1] == first[1]);
        let mut shown = reordered.clone();
        shown.dedup();
        assert_eq!(shown.len(), 3, "names shown together never share a colour");
        assert_eq!(colours.get("Signed Up"), Some(first[1]));
    }

    #[test]
    fn a_fresh_page_gives_the_same_colours_for_the_same_names() {
        let list = names(&["A", "B", "C", "D", "E"]);
        let one = NameColours::default().colours_for(&list);
        assert_eq!(one, NameColours::default().colours_for(&list));
        let mut distinct = one.clone();
        distinct.sort_by_key(|c| (c.0, c.1, c.2));
        distinct.dedup();
        assert_eq!(distinct.len(), 5);
    }
}
