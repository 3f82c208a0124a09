//! What may go out in the same write as CONNECT: a session's first request, given to
//! [`super::connect::start`] before the connection opens. A one-shot publish saves a round
//! trip that way, and so does a subscriber's SUBSCRIBE, where the protocol allows it
//! ([`super::protocol::Wire::write_with_connect`]).
//!
//! Each kind does the bookkeeping of its own before it is queued, as it would after
//! CONNACK: a publish takes its outbox entry, a SUBSCRIBE is expected by the count of its
//! filters and noted for the `-d` trace. The trace still reads as mosquitto's (CONNECT,
//! CONNACK, then the request): it is printed as the pump reports what went out, which it
//! does after CONNACK.

use super::protocol::{Publish, Request};
use super::Shared;
use crate::properties::SubscribeOptions;
use crate::qos::Qos;

/// A request that may be queued before the connection opens.
pub trait Early<'a>: Sized {
    /// What the session learns of it when it was queued early (a publish: its number).
    type Queued;
    /// Whether it may go out with CONNECT at all; what needs CONNACK's limits (MQTT 5
    /// properties, subscription options) waits for it.
    fn may_go_with_connect(&self) -> bool;
    /// Its bookkeeping, before it is handed to the event loop.
    fn expect(&self, shared: &Shared) -> Self::Queued;
    /// It could not be handed over after all: the bookkeeping undone.
    fn withdraw(shared: &Shared);
    /// The request for the wire (`None`: there is none).
    fn request(self) -> Option<Request<'a>>;
}

/// No first request: [`super::Session::connect`].
impl<'a> Early<'a> for () {
    type Queued = ();

    fn may_go_with_connect(&self) -> bool {
        false
    }

    fn expect(&self, _: &Shared) {}

    fn withdraw(_: &Shared) {}

    fn request(self) -> Option<Request<'a>> {
        None
    }
}

impl<'a> Early<'a> for Publish<'a> {
    /// The publish's sequence number, as [`super::Session::publish`] returns it.
    type Queued = u64;

    fn may_go_with_connect(&self) -> bool {
        self.properties.is_none()
    }

    fn expect(&self, shared: &Shared) -> u64 {
        shared.outbox.queue(self)
    }

    fn withdraw(shared: &Shared) {
        shared.outbox.refused();
    }

    fn request(self) -> Option<Request<'a>> {
        Some(Request::Publish(self))
    }
}

/// One SUBSCRIBE for all the filters, as [`super::Session::subscribe`] sends it.
pub struct Subscribe<'a> {
    pub filters: &'a [(String, Qos)],
    pub options: &'a SubscribeOptions,
}

impl<'a> Early<'a> for Subscribe<'a> {
    type Queued = ();

    fn may_go_with_connect(&self) -> bool {
        self.options.is_default()
    }

    fn expect(&self, shared: &Shared) {
        shared
            .trace
            .note_subscribe(self.filters, &self.options.trace_text());
        shared.subscribes.queue(self.filters.len());
    }

    fn withdraw(shared: &Shared) {
        shared.subscribes.refused();
    }

    fn request(self) -> Option<Request<'a>> {
        Some(Request::Subscribe {
            filters: self.filters,
            options: self.options,
        })
    }
}
