//! What replacing the narcotics reference with another table changes, entry by entry, so an
//! operator sees it before (`samverkan narcotics import --dry-run`) and after an import.
//!
//! Entries are matched by `substance`, in order: the first stored entry of a substance pairs
//! with the first imported one of that substance, and so on (the table does not forbid a
//! substance twice). A pair whose names, ATC codes, NPL ids (each as a set: their order
//! recognises nothing differently) and schedule agree is unchanged, any other pair changed;
//! what is left over is added or removed.

use std::collections::HashMap;
use std::fmt;

use crate::domain::narcotics::NarcoticEntry;

/// The difference between the stored reference and a table about to replace it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NarcoticsDiff {
    /// Imported entries with no stored counterpart, in the table's order.
    pub added: Vec<NarcoticEntry>,
    /// Pairs that differ, in the table's order.
    pub changed: Vec<EntryChange>,
    /// Stored entries with no imported counterpart, in stored order.
    pub removed: Vec<NarcoticEntry>,
    /// Pairs that agree.
    pub unchanged: usize,
    /// The entries present on both sides come in another order. Order matters: when two
    /// entries share a name, code or id, the first one is the substance a refusal names.
    pub reordered: bool,
}

/// One substance as stored and as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryChange {
    /// As stored.
    pub before: NarcoticEntry,
    /// As imported.
    pub after: NarcoticEntry,
}

impl NarcoticsDiff {
    /// What replacing `stored` with `imported` changes.
    pub fn between(stored: &[NarcoticEntry], imported: &[NarcoticEntry]) -> NarcoticsDiff {
        // Stored entries of each substance, in stored order, consumed as imported ones pair up.
        let mut queues: HashMap<&str, std::collections::VecDeque<usize>> = HashMap::new();
        for (i, e) in stored.iter().enumerate() {
            queues.entry(&e.substance).or_default().push_back(i);
        }
        let mut diff = NarcoticsDiff::default();
        let mut paired_stored = vec![false; stored.len()];
        // Stored index of each paired entry, in imported order.
        let mut pairs_in_import_order = Vec::new();
        for entry in imported {
            match queues
                .get_mut(entry.substance.as_str())
                .and_then(|q| q.pop_front())
            {
                Some(i) => {
                    paired_stored[i] = true;
                    pairs_in_import_order.push(i);
                    if same_content(&stored[i], entry) {
                        diff.unchanged += 1;
                    } else {
                        diff.changed.push(EntryChange {
                            before: stored[i].clone(),
                            after: entry.clone(),
                        });
                    }
                }
                None => diff.added.push(entry.clone()),
            }
        }
        diff.removed = stored
            .iter()
            .zip(&paired_stored)
            .filter(|(_, paired)| !**paired)
            .map(|(e, _)| e.clone())
            .collect();
        // Pairing preserves the order within a substance, so the stored indices come out
        // ascending exactly when the shared entries keep their order.
        diff.reordered = pairs_in_import_order.windows(2).any(|w| w[0] > w[1]);
        diff
    }

    /// Nothing added, changed, removed or reordered: the import would store what is there.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && !self.reordered
    }

    /// "2 added, 1 changed, 0 removed, 46 unchanged", and a note when the order changed.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} added, {} changed, {} removed, {} unchanged",
            self.added.len(),
            self.changed.len(),
            self.removed.len(),
            self.unchanged
        );
        if self.reordered {
            s.push_str("; the order of the entries changed");
        }
        s
    }
}

/// One line per entry added (`+`), changed (`~`) or removed (`-`), each ending in a newline.
impl fmt::Display for NarcoticsDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.added {
            writeln!(f, "+ {}", Whole(e))?;
        }
        for c in &self.changed {
            writeln!(f, "~ {}: {}", c.after.substance, Changes(c))?;
        }
        for e in &self.removed {
            writeln!(f, "- {}", Whole(e))?;
        }
        Ok(())
    }
}

fn same_content(a: &NarcoticEntry, b: &NarcoticEntry) -> bool {
    a.schedule == b.schedule
        && same_set(&a.names, &b.names)
        && same_set(&a.atc_codes, &b.atc_codes)
        && same_set(&a.npl_ids, &b.npl_ids)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

/// An entry in full: `oxikodon (schedule II): names oxikodon, OxyNorm; ATC N02AA05; NPL …`.
struct Whole<'a>(&'a NarcoticEntry);

impl fmt::Display for Whole<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        write!(f, "{} (schedule {})", e.substance, e.schedule)?;
        let mut sep = ": ";
        for (label, items) in [
            ("names", &e.names),
            ("ATC", &e.atc_codes),
            ("NPL", &e.npl_ids),
        ] {
            if !items.is_empty() {
                write!(f, "{sep}{label} {}", items.join(", "))?;
                sep = "; ";
            }
        }
        Ok(())
    }
}

/// What differs within a pair: `names +Oxikodon Teva, -Targiniq; schedule II -> I`.
struct Changes<'a>(&'a EntryChange);

impl fmt::Display for Changes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (before, after) = (&self.0.before, &self.0.after);
        let mut parts = Vec::new();
        for (label, old, new) in [
            ("names", &before.names, &after.names),
            ("ATC", &before.atc_codes, &after.atc_codes),
            ("NPL", &before.npl_ids, &after.npl_ids),
        ] {
            let items: Vec<String> = new
                .iter()
                .filter(|x| !old.contains(x))
                .map(|x| format!("+{x}"))
                .chain(
                    old.iter()
                        .filter(|x| !new.contains(x))
                        .map(|x| format!("-{x}")),
                )
                .collect();
            if !items.is_empty() {
                parts.push(format!("{label} {}", items.join(", ")));
            }
        }
        if before.schedule != after.schedule {
            parts.push(format!(
                "schedule {} -> {}",
                before.schedule, after.schedule
            ));
        }
        f.write_str(&parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(substance: &str, names: &[&str], atc: &[&str], schedule: &str) -> NarcoticEntry {
        NarcoticEntry {
            substance: substance.into(),
            names: names.iter().map(|s| s.to_string()).collect(),
            atc_codes: atc.iter().map(|s| s.to_string()).collect(),
            npl_ids: Vec::new(),
            schedule: schedule.into(),
        }
    }

    #[test]
    fn an_entry_is_added_changed_removed_or_unchanged_by_substance() {
        let stored = vec![
            entry(
                "oxikodon",
                &["oxikodon", "OxyNorm", "Targiniq"],
                &["N02AA05"],
                "II",
            ),
            entry("fentanyl", &["fentanyl"], &["N02AB03"], "II"),
            entry("diazepam", &["diazepam", "Stesolid"], &["N05BA01"], "IV"),
        ];
        let imported = vec![
            entry(
                "oxikodon",
                &["oxikodon", "OxyNorm", "Oxikodon Teva"],
                &["N02AA05"],
                "I",
            ),
            // The same names in another order: not a change.
            entry("diazepam", &["Stesolid", "diazepam"], &["N05BA01"], "IV"),
            entry("testsubstans", &["Testbrand"], &["X99XX99"], "II"),
        ];
        let diff = NarcoticsDiff::between(&stored, &imported);
        assert_eq!(diff.summary(), "1 added, 1 changed, 1 removed, 1 unchanged");
        assert!(!diff.reordered);
        assert_eq!(
            diff.to_string(),
            "+ testsubstans (schedule II): names Testbrand; ATC X99XX99\n\
             ~ oxikodon: names +Oxikodon Teva, -Targiniq; schedule II -> I\n\
             - fentanyl (schedule II): names fentanyl; ATC N02AB03\n"
        );
    }

    #[test]
    fn the_same_table_is_no_difference_and_another_order_is_one() {
        let a = entry("a", &["a"], &[], "II");
        let b = entry("b", &["b"], &[], "II");
        let same = NarcoticsDiff::between(&[a.clone(), b.clone()], &[a.clone(), b.clone()]);
        assert!(same.is_empty());
        assert_eq!(same.unchanged, 2);
        assert_eq!(same.to_string(), "");

        let swapped = NarcoticsDiff::between(&[a.clone(), b.clone()], &[b, a]);
        assert!(!swapped.is_empty());
        assert_eq!(
            swapped.summary(),
            "0 added, 0 changed, 0 removed, 2 unchanged; the order of the entries changed"
        );
    }

    #[test]
    fn a_substance_listed_twice_pairs_in_order() {
        let first = entry("kodein", &["kodein"], &["R05DA04"], "II");
        let second = entry("kodein", &["Citodon"], &[], "II");
        let diff = NarcoticsDiff::between(&[first.clone(), second], std::slice::from_ref(&first));
        assert_eq!(diff.summary(), "0 added, 0 changed, 1 removed, 1 unchanged");
        assert_eq!(diff.removed[0].names, vec!["Citodon".to_string()]);
    }
}
