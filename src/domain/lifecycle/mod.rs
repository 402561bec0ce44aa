//! The lifecycle of a message (DOMAIN.md "Lifecycle of a message"):
//! `sent` → `read` (recipient acknowledges) → `answered` (recipient's first reply) → `closed`;
//! the sender may `cancel` while the message is still `sent`. Replies form one thread: the
//! recipient may reply from the start, the sender once the message is answered. Every other
//! transition is refused.
//!
//! **No step is skipped.** A recipient who replies to a message it has not acknowledged has
//! read it: the reply takes the message `sent` → `read` → `answered`, and both steps are
//! recorded (history and feed), so `read` is never missing from a message's life.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Sent, not yet acknowledged by the recipient.
    Sent,
    /// Acknowledged by the recipient.
    Read,
    /// The recipient has replied.
    Answered,
    /// Closed by either party after the answer.
    Closed,
    /// Cancelled by the sender while unread.
    Cancelled,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 5] = [
        Status::Sent,
        Status::Read,
        Status::Answered,
        Status::Closed,
        Status::Cancelled,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Read => "read",
            Status::Answered => "answered",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    /// The status with this stored code.
    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// Whether an answer is still awaited (the message can become overdue).
    pub fn awaits_answer(self) -> bool {
        matches!(self, Status::Sent | Status::Read)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the message the caller's unit is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The sending unit.
    Sender,
    /// The receiving unit.
    Recipient,
}

/// A unit's side of its traffic, as its mailboxes show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mailbox {
    /// Received by the unit: it is the recipient party.
    Inbox,
    /// Sent by the unit: it is the sender party.
    Outbox,
}

/// What a party asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Acknowledge reading (recipient).
    Read,
    /// Add a reply to the thread.
    Reply,
    /// Close an answered message (either party).
    Close,
    /// Cancel an unread message (sender).
    Cancel,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Only the other party may do this (e.g. the recipient cancelling).
    WrongParty,
    /// Not allowed in the current status.
    InvalidTransition,
}

/// The result of an allowed action: the statuses the message passes through, in order; empty
/// when the status stays.
pub type Transition = Result<&'static [Status], Refusal>;

/// Decides an action on a message in `status` by `party`.
pub fn apply(status: Status, action: Action, party: Party) -> Transition {
    use Status::*;
    match (action, party, status) {
        (Action::Read, Party::Sender, _) => Err(Refusal::WrongParty),
        (Action::Read, Party::Recipient, Sent) => Ok(&[Read]),
        // Acknowledging again changes nothing.
        (Action::Read, Party::Recipient, Read | Answered | Closed) => Ok(&[]),
        (Action::Read, Party::Recipient, Cancelled) => Err(Refusal::InvalidTransition),

        // Replying to an unread message reads it first.
        (Action::Reply, Party::Recipient, Sent) => Ok(&[Read, Answered]),
        (Action::Reply, Party::Recipient, Read) => Ok(&[Answered]),
        (Action::Reply, _, Answered) => Ok(&[]),
        (Action::Reply, Party::Sender, Sent | Read) => Err(Refusal::InvalidTransition),
        (Action::Reply, _, Closed | Cancelled) => Err(Refusal::InvalidTransition),

        (Action::Close, _, Answered) => Ok(&[Closed]),
        (Action::Close, _, Sent | Read | Closed | Cancelled) => Err(Refusal::InvalidTransition),

        (Action::Cancel, Party::Recipient, _) => Err(Refusal::WrongParty),
        (Action::Cancel, Party::Sender, Sent) => Ok(&[Cancelled]),
        (Action::Cancel, Party::Sender, Read | Answered | Closed | Cancelled) => {
            Err(Refusal::InvalidTransition)
        }
    }
}

#[cfg(test)]
mod tests;
