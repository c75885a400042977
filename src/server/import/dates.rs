//! Dates as legacy files write them: ISO, `dd/mm/yyyy` or `mm/dd/yyyy` (which one is a
//! per-source choice, since `07/08/2020` reads both ways), `dd.mm.yyyy` and `yyyy/mm/dd`.
use crate::server::ingest::time::parse_time;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Which comes first in a date written with slashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// `dd/mm/yyyy` (most of the world).
    #[default]
    DayFirst,
    /// `mm/dd/yyyy` (the United States).
    MonthFirst,
}

impl DateOrder {
    /// The mapping's name for it: `dmy` or `mdy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DayFirst => "dmy",
            Self::MonthFirst => "mdy",
        }
    }

    /// Parses `dmy` / `mdy`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "dmy" => Some(Self::DayFirst),
            "mdy" => Some(Self::MonthFirst),
            _ => None,
        }
    }

    fn slash_format(self) -> &'static str {
        match self {
            Self::DayFirst => "%d/%m/%Y",
            Self::MonthFirst => "%m/%d/%Y",
        }
    }
}

/// A date or time in any of the supported formats; a date alone means its midnight UTC.
pub fn parse_date(text: &str, order: DateOrder) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(at) = parse_time(text) {
        return Some(at);
    }
    let with_time = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"];
    if let Some(at) = with_time
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    {
        return Some(at.and_utc());
    }
    ["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", order.slash_format()]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
        // Four-digit years only: `%Y` alone would take `20` as the year 20.
        .filter(|day| (1000..=9999).contains(&chrono::Datelike::year(day)))
        .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The order a column's sample dates imply: a first number above 12 is a day, a second one
/// above 12 is a day too; `None` when the samples do not tell.
pub fn guess_order<'a>(samples: impl IntoIterator<Item = &'a str>) -> Option<DateOrder> {
    samples.into_iter().find_map(|s| {
        let mut parts = s.trim().split('/').map(|p| p.parse::<u32>().ok());
        match (parts.next()??, parts.next()??, parts.next()??) {
            (first, _, year) if first > 12 && year > 31 => Some(DateOrder::DayFirst),
            (_, second, year) if second > 12 && year > 31 => Some(DateOrder::MonthFirst),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str, order: DateOrder) -> Option<String> {
        parse_date(text, order).map(|at| at.format("%Y-%m-%d").to_string())
    }

    #[test]
    fn item_08_common_date_formats_parse_to_the_same_day() {
        for text in [
            "2020-07-31",
            "31/07/2020",
            "31.07.2020",
            "2020/07/31",
            "2020-07-31T09:00:00Z",
        ] {
            assert_eq!(
                day(text, DateOrder::DayFirst).as_deref(),
                Some("2020-07-31"),
                "{text}"
            );
        }
        assert_eq!(
            day("07/31/2020", DateOrder::MonthFirst).as_deref(),
            Some("2020-07-31")
        );
        assert_eq!(
            day("07/08/2020", DateOrder::DayFirst).as_deref(),
            Some("2020-08-07")
        );
        assert_eq!(
            day("07/08/2020", DateOrder::MonthFirst).as_deref(),
            Some("2020-07-08")
        );
        for bad in [
            "31/07/2020x",
            "yesterday",
            "07/31/2020",
            "31/07/20",
            "2020-13-01",
        ] {
            assert_eq!(day(bad, DateOrder::DayFirst), None, "{bad}");
        }
    }

    #[test]
    fn the_order_is_guessed_from_unambiguous_samples() {
        assert_eq!(
            guess_order(["01/02/2020", "25/12/2020"]),
            Some(DateOrder::DayFirst)
        );
        assert_eq!(guess_order(["12/25/2020"]), Some(DateOrder::MonthFirst));
        assert_eq!(guess_order(["01/02/2020", "2020-01-02"]), None);
    }
}
