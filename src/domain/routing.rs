//! Parties and routing (OGILTIG_MOTTAGARE): "Rutinen gäller för informationsöverföring
//! mellan berörd legitimerad personal i kommun, närsjukvård/psykiatrisk öppenvård samt
//! specialistmottagningar (i nuläget Habiliteringen och Palliativa konsultteam)."
//!
//! A message goes between exactly one `kommun` unit and one regional unit (`narsjukvard`,
//! `psykiatri`, or a `specialist` that is `participating`), in either direction, and both
//! units must be active. The acting unit comes from the caller's token; the API should
//! already have refused an unknown or inactive acting unit (403), but the check is repeated
//! here so no message can slip through if it did not.

use crate::domain::lifecycle::Party;
pub use crate::domain::unit_kind::UnitKind;
use crate::i18n::Msg;

/// The directory facts about one unit that routing needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitFacts {
    /// The unit's kind.
    pub kind: UnitKind,
    /// Whether the unit is active in the directory.
    pub active: bool,
    /// Whether a specialist unit currently takes part in the routine (ignored otherwise).
    pub participating: bool,
}

/// Why two units may not exchange a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoutingProblem {
    /// The recipient id is not in the directory.
    UnknownRecipient,
    /// The acting unit is not active.
    InactiveSender,
    /// The recipient is not active.
    InactiveRecipient,
    /// Both units are municipal.
    BothKommun,
    /// Neither unit is municipal.
    BothRegional,
    /// The regional party is a specialist clinic that does not take part.
    NotParticipating,
}

impl RoutingProblem {
    /// What to do instead, in Swedish and English.
    pub fn message(&self) -> Msg {
        match self {
            RoutingProblem::UnknownRecipient => Msg::new(
                "Mottagarenheten finns inte i katalogen. Välj en aktiv enhet i kommunen, \
                 närsjukvården, psykiatrisk öppenvård eller en deltagande specialistmottagning.",
                "The receiving unit is not in the directory. Choose an active unit of the \
                 municipality, primary care, psychiatric outpatient care or a participating \
                 specialist clinic.",
            ),
            RoutingProblem::InactiveSender => Msg::new(
                "Din enhet är inte aktiv i katalogen och kan inte skicka meddelanden. \
                 Kontakta systemförvaltningen, och ring mottagaren under tiden.",
                "Your unit is not active in the directory and cannot send messages. Contact \
                 the system administrators, and phone the recipient meanwhile.",
            ),
            RoutingProblem::InactiveRecipient => Msg::new(
                "Mottagarenheten är inte längre aktiv. Välj en annan enhet eller ring.",
                "The receiving unit is no longer active. Choose another unit or phone.",
            ),
            RoutingProblem::BothKommun => Msg::new(
                "Meddelanden går bara mellan kommunen och regionen (närsjukvård, psykiatrisk \
                 öppenvård eller deltagande specialistmottagning). Två kommunala enheter kan \
                 inte skriva till varandra här.",
                "Messages go only between the municipality and the region (primary care, \
                 psychiatric outpatient care or a participating specialist clinic). Two \
                 municipal units cannot write to each other here.",
            ),
            RoutingProblem::BothRegional => Msg::new(
                "Meddelanden går bara mellan regionen och kommunens hälso- och sjukvård. Två \
                 regionala enheter kan inte skriva till varandra här.",
                "Messages go only between the region and municipal home health care. Two \
                 regional units cannot write to each other here.",
            ),
            RoutingProblem::NotParticipating => Msg::new(
                "Specialistmottagningen deltar inte i rutinen (i nuläget deltar Habiliteringen \
                 och Palliativa konsultteam). Ring mottagningen i stället.",
                "The specialist clinic does not take part in the routine (at present \
                 Habiliteringen and Palliativa konsultteam do). Phone the clinic instead.",
            ),
        }
    }
}

/// The first reason `sender` may not write to `recipient` (`None` = unknown id), or `None`
/// when the route is valid.
pub fn routing_problem(
    sender: &UnitFacts,
    recipient: Option<&UnitFacts>,
) -> Option<RoutingProblem> {
    let Some(recipient) = recipient else {
        return Some(RoutingProblem::UnknownRecipient);
    };
    if !sender.active {
        return Some(RoutingProblem::InactiveSender);
    }
    if !recipient.active {
        return Some(RoutingProblem::InactiveRecipient);
    }
    let regional = match (sender.kind, recipient.kind) {
        (UnitKind::Kommun, UnitKind::Kommun) => return Some(RoutingProblem::BothKommun),
        (UnitKind::Kommun, _) => recipient,
        (_, UnitKind::Kommun) => sender,
        _ => return Some(RoutingProblem::BothRegional),
    };
    if regional.kind == UnitKind::Specialist && !regional.participating {
        return Some(RoutingProblem::NotParticipating);
    }
    None
}

/// Which of the two is the message's `kommun` party — the one whose home health care the patient
/// must be enrolled in (EJ_INSKRIVEN) — when exactly one of them is a `kommun` unit.
pub fn kommun_party(sender: UnitKind, recipient: UnitKind) -> Option<Party> {
    match (sender, recipient) {
        (UnitKind::Kommun, UnitKind::Kommun) => None,
        (UnitKind::Kommun, _) => Some(Party::Sender),
        (_, UnitKind::Kommun) => Some(Party::Recipient),
        _ => None,
    }
}

/// Whether `a` and `b` may exchange messages (in either direction): the rule a frontend needs
/// to offer only valid recipients.
pub fn can_exchange(a: &UnitFacts, b: &UnitFacts) -> bool {
    routing_problem(a, Some(b)).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(kind: UnitKind) -> UnitFacts {
        UnitFacts {
            kind,
            active: true,
            participating: false,
        }
    }

    fn specialist(participating: bool) -> UnitFacts {
        UnitFacts {
            participating,
            ..unit(UnitKind::Specialist)
        }
    }

    #[test]
    fn kommun_and_each_regional_kind_may_write_in_both_directions() {
        let kommun = unit(UnitKind::Kommun);
        for regional in [
            unit(UnitKind::Narsjukvard),
            unit(UnitKind::Psykiatri),
            specialist(true),
        ] {
            assert!(can_exchange(&kommun, &regional), "{regional:?}");
            assert!(can_exchange(&regional, &kommun), "{regional:?}");
        }
    }

    #[test]
    fn two_units_on_the_same_side_may_not_write_to_each_other() {
        let kommun = unit(UnitKind::Kommun);
        let vc = unit(UnitKind::Narsjukvard);
        assert_eq!(
            routing_problem(&kommun, Some(&kommun)),
            Some(RoutingProblem::BothKommun)
        );
        assert_eq!(
            routing_problem(&vc, Some(&unit(UnitKind::Psykiatri))),
            Some(RoutingProblem::BothRegional)
        );
    }

    #[test]
    fn a_non_participating_specialist_is_refused_on_either_side() {
        let kommun = unit(UnitKind::Kommun);
        let outside = specialist(false);
        assert_eq!(
            routing_problem(&kommun, Some(&outside)),
            Some(RoutingProblem::NotParticipating)
        );
        assert_eq!(
            routing_problem(&outside, Some(&kommun)),
            Some(RoutingProblem::NotParticipating)
        );
    }

    #[test]
    fn participation_only_matters_for_specialists() {
        let vc = UnitFacts {
            participating: false,
            ..unit(UnitKind::Narsjukvard)
        };
        assert!(can_exchange(&unit(UnitKind::Kommun), &vc));
    }

    #[test]
    fn an_unknown_or_inactive_recipient_is_refused() {
        let kommun = unit(UnitKind::Kommun);
        let inactive = UnitFacts {
            active: false,
            ..unit(UnitKind::Narsjukvard)
        };
        assert_eq!(
            routing_problem(&kommun, None),
            Some(RoutingProblem::UnknownRecipient)
        );
        assert_eq!(
            routing_problem(&kommun, Some(&inactive)),
            Some(RoutingProblem::InactiveRecipient)
        );
    }

    #[test]
    fn an_inactive_acting_unit_is_refused() {
        let inactive = UnitFacts {
            active: false,
            ..unit(UnitKind::Kommun)
        };
        assert_eq!(
            routing_problem(&inactive, Some(&unit(UnitKind::Narsjukvard))),
            Some(RoutingProblem::InactiveSender)
        );
    }

    #[test]
    fn the_kommun_party_is_the_one_kommun_unit_of_a_route() {
        use UnitKind::*;
        assert_eq!(kommun_party(Kommun, Narsjukvard), Some(Party::Sender));
        assert_eq!(kommun_party(Psykiatri, Kommun), Some(Party::Recipient));
        assert_eq!(kommun_party(Kommun, Kommun), None);
        assert_eq!(kommun_party(Specialist, Narsjukvard), None);
    }
}
