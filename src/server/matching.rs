//! Record matching: finding the profiles of one person that share no identifier ("Kim Min-jun,
//! 12 Seoul-ro, born 1985-03-02" and "Minjun Kim, 12 Seoulro, born 1985-02-03"). Values are
//! normalised and compared per kind ([`compare`]), candidate pairs come from [`blocking`], and
//! a Fellegi–Sunter model trained by EM on the data itself ([`fellegi_sunter`]) scores them.

pub mod blocking;
pub mod blocks;
pub mod compare;
pub mod decide;
pub mod export;
pub mod fellegi_sunter;
pub mod incremental;
pub mod job;
pub mod manual;
pub mod nicknames;
pub mod normalize;
pub mod pipeline;
pub mod profile_record;
pub mod quality;
pub mod queue;
pub mod record;
pub mod review;
pub mod synth;

#[cfg(test)]
mod tests;
