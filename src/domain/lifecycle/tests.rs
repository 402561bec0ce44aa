//! Every transition of the lifecycle, allowed and refused.

use super::*;
use Action::*;
use Party::*;

#[test]
fn the_happy_path_goes_sent_read_answered_closed() {
    assert_eq!(
        apply(Status::Sent, Read, Recipient),
        Ok(&[Status::Read][..])
    );
    assert_eq!(
        apply(Status::Read, Reply, Recipient),
        Ok(&[Status::Answered][..])
    );
    assert_eq!(
        apply(Status::Answered, Close, Sender),
        Ok(&[Status::Closed][..])
    );
}

#[test]
fn a_reply_to_an_unread_message_reads_it_then_answers_it() {
    assert_eq!(
        apply(Status::Sent, Reply, Recipient),
        Ok(&[Status::Read, Status::Answered][..])
    );
}

#[test]
fn no_allowed_action_skips_read_on_the_way_to_answered() {
    for s in Status::ALL {
        for a in [Read, Reply, Close, Cancel] {
            for p in [Sender, Recipient] {
                if let Ok(steps) = apply(s, a, p) {
                    let path: Vec<Status> =
                        std::iter::once(s).chain(steps.iter().copied()).collect();
                    for pair in path.windows(2) {
                        assert!(
                            !(pair[0] == Status::Sent && pair[1] == Status::Answered),
                            "{a:?} by {p:?} from {s} skips read: {path:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn reading_again_is_idempotent_but_not_a_cancelled_message() {
    for s in [Status::Read, Status::Answered, Status::Closed] {
        assert_eq!(apply(s, Read, Recipient), Ok(&[][..]));
    }
    assert_eq!(
        apply(Status::Cancelled, Read, Recipient),
        Err(Refusal::InvalidTransition)
    );
}

#[test]
fn only_the_recipient_acknowledges() {
    assert_eq!(apply(Status::Sent, Read, Sender), Err(Refusal::WrongParty));
}

#[test]
fn the_sender_may_reply_only_once_the_message_is_answered() {
    assert_eq!(
        apply(Status::Sent, Reply, Sender),
        Err(Refusal::InvalidTransition)
    );
    assert_eq!(
        apply(Status::Read, Reply, Sender),
        Err(Refusal::InvalidTransition)
    );
    assert_eq!(apply(Status::Answered, Reply, Sender), Ok(&[][..]));
    assert_eq!(apply(Status::Answered, Reply, Recipient), Ok(&[][..]));
}

#[test]
fn nobody_replies_to_a_closed_or_cancelled_message() {
    for p in [Sender, Recipient] {
        assert_eq!(
            apply(Status::Closed, Reply, p),
            Err(Refusal::InvalidTransition)
        );
        assert_eq!(
            apply(Status::Cancelled, Reply, p),
            Err(Refusal::InvalidTransition)
        );
    }
}

#[test]
fn either_party_closes_but_only_once_answered() {
    for p in [Sender, Recipient] {
        assert_eq!(apply(Status::Answered, Close, p), Ok(&[Status::Closed][..]));
        for s in [
            Status::Sent,
            Status::Read,
            Status::Closed,
            Status::Cancelled,
        ] {
            assert_eq!(
                apply(s, Close, p),
                Err(Refusal::InvalidTransition),
                "{s} by {p:?}"
            );
        }
    }
}

#[test]
fn only_the_sender_cancels_and_only_while_unread() {
    assert_eq!(
        apply(Status::Sent, Cancel, Sender),
        Ok(&[Status::Cancelled][..])
    );
    assert_eq!(
        apply(Status::Sent, Cancel, Recipient),
        Err(Refusal::WrongParty)
    );
    for s in [
        Status::Read,
        Status::Answered,
        Status::Closed,
        Status::Cancelled,
    ] {
        assert_eq!(
            apply(s, Cancel, Sender),
            Err(Refusal::InvalidTransition),
            "{s}"
        );
    }
}

#[test]
fn status_codes_round_trip() {
    for s in Status::ALL {
        assert_eq!(Status::from_code(s.as_str()), Some(s));
    }
    assert_eq!(Status::from_code("deleted"), None);
}
