// Changed for rpub/rsub from rumqttc 0.25.1: each change is marked `rpubsub:`, and
// crates/rumqttc/README.md lists them all.

use crate::{framed::Network, Transport};
use crate::{Incoming, MqttState, NetworkOptions, Packet, Request, StateError};
use crate::{MqttOptions, Outgoing};

use crate::framed::AsyncReadWrite;
use crate::mqttbytes::v4::*;
use flume::{bounded, Receiver, Sender};
use tokio::net::{lookup_host, TcpSocket, TcpStream};

// rpubsub: see `ack_after_pause.rs`.
use crate::ack_after_pause::AckAfterPause;
use tokio::select;
use tokio::time::{self, Instant, Sleep};

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

#[cfg(unix)]
use {std::path::Path, tokio::net::UnixStream};

#[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
use crate::tls;

#[cfg(feature = "websocket")]
use {
    crate::websockets::{split_url, validate_response_headers, UrlError},
    async_tungstenite::tungstenite::client::IntoClientRequest,
    ws_stream_tungstenite::WsStream,
};

#[cfg(feature = "proxy")]
use crate::proxy::ProxyError;

/// rpubsub: requests written to the connection before one flush: as many as the tools'
/// request queue holds, so that a burst of small publishes goes out in a few large writes
/// (with 64, rpub took 6 to 16 % more CPU for 100,000 QoS 0 messages, in more writes).
const MAX_REQUEST_BATCH: usize = 512;

/// Critical errors during eventloop polling
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("Mqtt state: {0}")]
    MqttState(#[from] StateError),
    #[error("Network timeout")]
    NetworkTimeout,
    #[error("Flush timeout")]
    FlushTimeout,
    #[cfg(feature = "websocket")]
    #[error("Websocket: {0}")]
    Websocket(#[from] async_tungstenite::tungstenite::error::Error),
    #[cfg(feature = "websocket")]
    #[error("Websocket Connect: {0}")]
    WsConnect(#[from] http::Error),
    #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
    #[error("TLS: {0}")]
    Tls(#[from] tls::Error),
    #[error("I/O: {0}")]
    Io(#[from] io::Error),
    #[error("Connection refused, return code: `{0:?}`")]
    ConnectionRefused(ConnectReturnCode),
    #[error("Expected ConnAck packet, received: {0:?}")]
    NotConnAck(Packet),
    #[error("Requests done")]
    RequestsDone,
    #[cfg(feature = "websocket")]
    #[error("Invalid Url: {0}")]
    InvalidUrl(#[from] UrlError),
    #[cfg(feature = "proxy")]
    #[error("Proxy Connect: {0}")]
    Proxy(#[from] ProxyError),
    #[cfg(feature = "websocket")]
    #[error("Websocket response validation error: ")]
    ResponseValidation(#[from] crate::websockets::ValidationError),
}

/// Eventloop with all the state of a connection
pub struct EventLoop {
    /// Options of the current mqtt connection
    pub mqtt_options: MqttOptions,
    /// Current state of the connection
    pub state: MqttState,
    /// Request stream
    requests_rx: Receiver<Request>,
    /// Requests handle to send requests
    pub(crate) requests_tx: Sender<Request>,
    /// Pending packets from last session
    pub pending: VecDeque<Request>,
    /// Network connection to the broker
    pub network: Option<Network>,
    /// Keep alive time
    keepalive_timeout: Option<Pin<Box<Sleep>>>,
    pub network_options: NetworkOptions,
}

/// Events which can be yielded by the event loop
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Incoming(Incoming),
    Outgoing(Outgoing),
}

impl EventLoop {
    /// New MQTT `EventLoop`
    ///
    /// When connection encounters critical errors (like auth failure), user has a choice to
    /// access and update `options`, `state` and `requests`.
    pub fn new(mqtt_options: MqttOptions, cap: usize) -> EventLoop {
        let (requests_tx, requests_rx) = bounded(cap);
        let pending = VecDeque::new();
        let max_inflight = mqtt_options.inflight;
        let manual_acks = mqtt_options.manual_acks;

        EventLoop {
            mqtt_options,
            state: MqttState::new(max_inflight, manual_acks),
            requests_tx,
            requests_rx,
            pending,
            network: None,
            keepalive_timeout: None,
            network_options: NetworkOptions::new(),
        }
    }

    /// Last session might contain packets which aren't acked. MQTT says these packets should be
    /// republished in the next session. Move pending messages from state to eventloop, drops the
    /// underlying network connection and clears the keepalive timeout if any.
    ///
    /// > NOTE: Use only when EventLoop is blocked on network and unable to immediately handle disconnect.
    /// > Also, while this helps prevent data loss, the pending list length should be managed properly.
    /// > For this reason we recommend setting [`AsycClient`](crate::AsyncClient)'s channel capacity to `0`.
    pub fn clean(&mut self) {
        self.network = None;
        self.keepalive_timeout = None;
        self.pending.extend(self.state.clean());

        // drain requests from channel which weren't yet received
        let mut requests_in_channel: Vec<_> = self.requests_rx.drain().collect();

        requests_in_channel.retain(|request| {
            match request {
                Request::PubAck(_) => false, // Wait for publish retransmission, else the broker could be confused by an unexpected ack
                _ => true,
            }
        });

        self.pending.extend(requests_in_channel);
    }

    /// Yields Next notification or outgoing request and periodically pings
    /// the broker. Continuing to poll will reconnect to the broker if there is
    /// a disconnection.
    /// **NOTE** Don't block this while iterating
    pub async fn poll(&mut self) -> Result<Event, ConnectionError> {
        if self.network.is_none() {
            // rpubsub: `self.connect`, which may write requests already queued with CONNECT.
            let connected = match time::timeout(
                Duration::from_secs(self.network_options.connection_timeout()),
                self.connect(),
            )
            .await
            {
                Ok(inner) => inner,
                Err(_) => Err(ConnectionError::NetworkTimeout),
            };
            let (network, connack) = match connected {
                Ok(connected) => connected,
                Err(e) => {
                    // rpubsub: what went out with CONNECT is unacknowledged on a failed
                    // connection: pending, like what was in flight when one fails later.
                    self.pending.extend(self.state.clean());
                    return Err(e);
                }
            };
            // Last session might contain packets which aren't acked. If it's a new session, clear the pending packets.
            if !connack.session_present {
                self.pending.clear();
            }
            self.network = Some(network);

            if self.keepalive_timeout.is_none() && !self.mqtt_options.keep_alive.is_zero() {
                self.keepalive_timeout = Some(Box::pin(time::sleep(self.mqtt_options.keep_alive)));
            }

            return Ok(Event::Incoming(Packet::ConnAck(connack)));
        }

        match self.select().await {
            Ok(v) => Ok(v),
            Err(e) => {
                // MQTT requires that packets pending acknowledgement should be republished on session resume.
                // Move pending messages from state to eventloop.
                self.clean();
                Err(e)
            }
        }
    }

    /// Select on network and requests and generate keepalive pings when necessary
    async fn select(&mut self) -> Result<Event, ConnectionError> {
        let network = self.network.as_mut().unwrap();
        // let await_acks = self.state.await_acks;
        let inflight_full = self.state.inflight >= self.mqtt_options.inflight;
        let collision = self.state.collision.is_some();
        let network_timeout = Duration::from_secs(self.network_options.connection_timeout());

        // Read buffered events from previous polls before calling a new poll
        if let Some(event) = self.state.events.pop_front() {
            return Ok(event);
        }

        // rpubsub: a future that never completes when there is no keepalive, instead of a
        // boxed zero-length sleep allocated on every poll.
        let keepalive_on =
            self.keepalive_timeout.is_some() && !self.mqtt_options.keep_alive.is_zero();
        let keepalive = self.keepalive_timeout.as_mut();
        let keepalive = async move {
            match keepalive {
                Some(sleep) => sleep.await,
                None => std::future::pending().await,
            }
        };
        // this loop is necessary since self.incoming.pop_front() might return None. In that case,
        // instead of returning a None event, we try again.
        select! {
            // Pull a bunch of packets from network, reply in bunch and yield the first item
            o = network.readb(&mut self.state) => {
                o?;
                // flush all the acks and return first incoming packet
                match time::timeout(network_timeout, network.flush()).await {
                    Ok(inner) => inner?,
                    Err(_)=> return Err(ConnectionError::FlushTimeout),
                };
                Ok(self.state.events.pop_front().unwrap())
            },
             // Handles pending and new requests.
            // If available, prioritises pending requests from previous session.
            // Else, pulls next request from user requests channel.
            // If conditions in the below branch are for flow control.
            // The branch is disabled if there's no pending messages and new user requests
            // cannot be serviced due flow control.
            // We read next user user request only when inflight messages are < configured inflight
            // and there are no collisions while handling previous outgoing requests.
            //
            // Flow control is based on ack count. If inflight packet count in the buffer is
            // less than max_inflight setting, next outgoing request will progress. For this
            // to work correctly, broker should ack in sequence (a lot of brokers won't)
            //
            // E.g If max inflight = 5, user requests will be blocked when inflight queue
            // looks like this                 -> [1, 2, 3, 4, 5].
            // If broker acking 2 instead of 1 -> [1, x, 3, 4, 5].
            // This pulls next user request. But because max packet id = max_inflight, next
            // user request's packet id will roll to 1. This replaces existing packet id 1.
            // Resulting in a collision
            //
            // Eventloop can stop receiving outgoing user requests when previous outgoing
            // request collided. I.e collision state. Collision state will be cleared only
            // when correct ack is received
            // Full inflight queue will look like -> [1a, 2, 3, 4, 5].
            // If 3 is acked instead of 1 first   -> [1a, 2, x, 4, 5].
            // After collision with pkid 1        -> [1b ,2, x, 4, 5].
            // 1a is saved to state and event loop is set to collision mode stopping new
            // outgoing requests (along with 1b).
            // rpubsub: requests pending from the last connection wait for room and for a
            // collision to clear too. Upstream let them through regardless: more of them than
            // the window could hold collided, and each collision replaced the last publish
            // held back, which was then never sent.
            o = Self::next_request(
                &mut self.pending,
                &self.requests_rx,
                self.mqtt_options.pending_throttle
            ), if !inflight_full && !collision => match o {
                Ok(request) => {
                    if let Some(outgoing) = self.state.handle_outgoing_packet(request)? {
                        network.write(outgoing).await?;
                    }
                    // rpubsub: write the requests already waiting too, then flush once: one
                    // write(2) per batch instead of one per packet (upstream issue #810).
                    write_waiting(
                        &mut self.state,
                        &mut self.pending,
                        &self.requests_rx,
                        &self.mqtt_options,
                        network,
                        MAX_REQUEST_BATCH - 1,
                    )
                    .await?;
                    match time::timeout(network_timeout, network.flush()).await {
                        Ok(inner) => inner?,
                        Err(_)=> return Err(ConnectionError::FlushTimeout),
                    };
                    Ok(self.state.events.pop_front().unwrap())
                }
                Err(_) => Err(ConnectionError::RequestsDone),
            },
            // We generate pings irrespective of network activity. This keeps the ping logic
            // simple. We can change this behavior in future if necessary (to prevent extra pings)
            // rpubsub: the keepalive future built above (upstream: a boxed sleep per poll).
            _ = keepalive, if keepalive_on => {
                let timeout = self.keepalive_timeout.as_mut().unwrap();
                timeout.as_mut().reset(Instant::now() + self.mqtt_options.keep_alive);

                if let Some(outgoing) = self.state.handle_outgoing_packet(Request::PingReq(PingReq))? {
                    network.write(outgoing).await?;
                }
                // rpubsub: see `MqttState::wrote`.
                self.state.wrote();
                match time::timeout(network_timeout, network.flush()).await {
                    Ok(inner) => inner?,
                    Err(_)=> return Err(ConnectionError::FlushTimeout),
                };
                Ok(self.state.events.pop_front().unwrap())
            }
        }
    }

    pub fn network_options(&self) -> NetworkOptions {
        self.network_options.clone()
    }

    pub fn set_network_options(&mut self, network_options: NetworkOptions) -> &mut Self {
        self.network_options = network_options;
        self
    }

    /// rpubsub: upstream's `connect` (TCP, TLS or WebSocket, then CONNECT, then CONNACK), as
    /// a method so that, with [`MqttOptions::set_requests_with_connect`], the requests already
    /// queued go out in the same write as CONNECT instead of a round trip later. MQTT 3.1.1
    /// allows it (3.1.4: a client need not wait for CONNACK; a server that refuses the
    /// connection processes nothing sent after CONNECT). Not while requests from the last
    /// connection are pending: whether they go out at all waits for CONNACK's session flag.
    async fn connect(&mut self) -> Result<(Network, ConnAck), ConnectionError> {
        let mut network =
            network_connect(&self.mqtt_options, self.network_options.clone()).await?;
        // rpubsub: boxed (see `Packet::Connect`).
        let connect = Box::new(connect_packet(&self.mqtt_options));
        network.write(Packet::Connect(connect)).await?;
        if self.mqtt_options.requests_with_connect() && self.pending.is_empty() {
            write_waiting(
                &mut self.state,
                &mut self.pending,
                &self.requests_rx,
                &self.mqtt_options,
                &mut network,
                MAX_REQUEST_BATCH,
            )
            .await?;
        }
        network.flush().await?;
        let connack = read_connack(&mut network).await?;
        Ok((network, connack))
    }

    async fn next_request(
        pending: &mut VecDeque<Request>,
        rx: &Receiver<Request>,
        pending_throttle: Duration,
    ) -> Result<Request, ConnectionError> {
        if !pending.is_empty() {
            time::sleep(pending_throttle).await;
            // We must call .pop_front() AFTER sleep() otherwise we would have
            // advanced the iterator but the future might be canceled before return
            Ok(pending.pop_front().unwrap())
        } else {
            match rx.recv_async().await {
                Ok(r) => Ok(r),
                Err(_) => Err(ConnectionError::RequestsDone),
            }
        }
    }
}

/// rpubsub: up to `limit` requests that are already waiting (those pending from the last
/// connection first), handed to the state and written without a flush, while the window has
/// room and no collision holds requests back. Shared by `select`'s batches and `connect`.
async fn write_waiting(
    state: &mut MqttState,
    pending: &mut VecDeque<Request>,
    requests_rx: &Receiver<Request>,
    options: &MqttOptions,
    network: &mut Network,
    limit: usize,
) -> Result<(), ConnectionError> {
    for _ in 0..limit {
        if state.inflight >= options.inflight || state.collision.is_some() {
            break;
        }
        let request = if !pending.is_empty() {
            if !options.pending_throttle.is_zero() {
                break;
            }
            pending.pop_front()
        } else {
            requests_rx.try_recv().ok()
        };
        let Some(request) = request else { break };
        if let Some(outgoing) = state.handle_outgoing_packet(request)? {
            network.write(outgoing).await?;
        }
    }
    // rpubsub: the clock read once for the batch (`MqttState::wrote`).
    state.wrote();
    Ok(())
}

pub(crate) async fn socket_connect(
    host: String,
    network_options: NetworkOptions,
) -> io::Result<TcpStream> {
    // rpubsub: "localhost" is the loopback address, answered here (see `localhost`). Other
    // names may wait on DNS, on a thread started for the purpose (tokio's lookup_host), so
    // that a timeout or Ctrl+C can still end the wait.
    let addrs: Vec<SocketAddr> = match localhost(&host) {
        Some(addrs) => addrs.to_vec(),
        None => lookup_host(host).await?.collect(),
    };
    let mut last_err = None;

    for addr in addrs {
        // rpubsub: a family this machine lacks (IPv6 turned off) is one address less to try,
        // not the end: the error of an address tried before it is the one to tell.
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        };
        let socket = match socket {
            Ok(socket) => socket,
            Err(e) => {
                last_err.get_or_insert(e);
                continue;
            }
        };

        socket.set_nodelay(network_options.tcp_nodelay)?;

        // rpubsub: bind to the local address asked for; an address of the other family
        // cannot reach this one, so it is tried only on the broker's addresses of its own.
        // That is what to tell only when no address was tried: a refusal says more.
        if let Some(local) = network_options.bind_address {
            if local.is_ipv4() != addr.is_ipv4() {
                last_err.get_or_insert(io::Error::new(
                    io::ErrorKind::AddrNotAvailable,
                    format!("the local address {local} cannot reach {addr}"),
                ));
                continue;
            }
            socket.bind(SocketAddr::new(local, 0))?;
        }

        if let Some(send_buff_size) = network_options.tcp_send_buffer_size {
            socket.set_send_buffer_size(send_buff_size).unwrap();
        }
        if let Some(recv_buffer_size) = network_options.tcp_recv_buffer_size {
            socket.set_recv_buffer_size(recv_buffer_size).unwrap();
        }

        #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
        {
            if let Some(bind_device) = &network_options.bind_device {
                // call the bind_device function only if the bind_device network option is defined
                // If binding device is None or an empty string it removes the binding,
                // which is causing PermissionDenied errors in AWS environment (lambda function).
                socket.bind_device(Some(bind_device.as_bytes()))?;
            }
        }

        match socket.connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) => {
                last_err = Some(e);
            }
        };
    }

    Err(last_err.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

/// rpubsub: a TCP connection to `addr` (`host:port`) for either event loop, which
/// acknowledges what came once the data pauses (`ack_after_pause.rs`). One function for both:
/// MQTT 5's copy of the connect code had been left without the wrapper.
pub(crate) async fn tcp_connect(
    addr: String,
    network_options: NetworkOptions,
) -> io::Result<Box<dyn AsyncReadWrite>> {
    let tcp = socket_connect(addr, network_options).await?;
    Ok(Box::new(AckAfterPause::new(tcp)))
}

/// rpubsub: the addresses of `localhost:PORT` (the name in any case): IPv4's loopback, then
/// IPv6's. RFC 6761 (6.3) asks resolvers to answer localhost names with the loopback address
/// without looking further, as curl does; and the system's resolver, reading nsswitch.conf,
/// host.conf, resolv.conf and hosts first, costs a one-shot publish about a twentieth of its
/// time. IPv4 first: a broker on loopback listens there at least (`listener 1883 localhost`
/// binds both). `None` for another name, or a port that does not parse (which the resolver
/// then refuses).
pub(crate) fn localhost(host: &str) -> Option<[SocketAddr; 2]> {
    let (name, port) = host.rsplit_once(':')?;
    if !name.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let port: u16 = port.parse().ok()?;
    Some([
        SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port)),
        SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
    ])
}

async fn network_connect(
    options: &MqttOptions,
    network_options: NetworkOptions,
) -> Result<Network, ConnectionError> {
    // Process Unix files early, as proxy is not supported for them.
    #[cfg(unix)]
    if matches!(options.transport(), Transport::Unix) {
        let file = options.broker_addr.as_str();
        let socket = UnixStream::connect(Path::new(file)).await?;
        let network = Network::new(
            socket,
            options.max_incoming_packet_size,
            options.max_outgoing_packet_size,
        );
        return Ok(network);
    }

    // For websockets domain and port are taken directly from `broker_addr` (which is a url).
    let (domain, port) = match options.transport() {
        #[cfg(feature = "websocket")]
        Transport::Ws => split_url(&options.broker_addr)?,
        #[cfg(all(feature = "use-rustls-no-provider", feature = "websocket"))]
        Transport::Wss(_) => split_url(&options.broker_addr)?,
        _ => options.broker_address(),
    };

    let tcp_stream: Box<dyn AsyncReadWrite> = {
        #[cfg(feature = "proxy")]
        match options.proxy() {
            Some(proxy) => proxy.connect(&domain, port, network_options).await?,
            // rpubsub: what came is acknowledged once the data pauses (`tcp_connect`).
            None => tcp_connect(format!("{domain}:{port}"), network_options).await?,
        }
        #[cfg(not(feature = "proxy"))]
        // rpubsub: what came is acknowledged once the data pauses (`tcp_connect`).
        tcp_connect(format!("{domain}:{port}"), network_options).await?
    };

    let network = match options.transport() {
        Transport::Tcp => Network::new(
            tcp_stream,
            options.max_incoming_packet_size,
            options.max_outgoing_packet_size,
        ),
        #[cfg(any(feature = "use-rustls-no-provider", feature = "use-native-tls"))]
        Transport::Tls(tls_config) => {
            let socket =
                tls::tls_connect(&options.broker_addr, options.port, &tls_config, tcp_stream)
                    .await?;
            Network::new(
                socket,
                options.max_incoming_packet_size,
                options.max_outgoing_packet_size,
            )
        }
        #[cfg(unix)]
        Transport::Unix => unreachable!(),
        #[cfg(feature = "websocket")]
        Transport::Ws => {
            let mut request = options.broker_addr.as_str().into_client_request()?;
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", "mqtt".parse().unwrap());

            if let Some(request_modifier) = options.request_modifier() {
                request = request_modifier(request).await;
            }

            let (socket, response) =
                async_tungstenite::tokio::client_async(request, tcp_stream).await?;
            validate_response_headers(response)?;

            Network::new(
                WsStream::new(socket),
                options.max_incoming_packet_size,
                options.max_outgoing_packet_size,
            )
        }
        #[cfg(all(feature = "use-rustls-no-provider", feature = "websocket"))]
        Transport::Wss(tls_config) => {
            let mut request = options.broker_addr.as_str().into_client_request()?;
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", "mqtt".parse().unwrap());

            if let Some(request_modifier) = options.request_modifier() {
                request = request_modifier(request).await;
            }

            let connector = tls::rustls_connector(&tls_config).await?;

            let (socket, response) = async_tungstenite::tokio::client_async_tls_with_connector(
                request,
                tcp_stream,
                Some(connector),
            )
            .await?;
            validate_response_headers(response)?;

            Network::new(
                WsStream::new(socket),
                options.max_incoming_packet_size,
                options.max_outgoing_packet_size,
            )
        }
    };

    Ok(network)
}

/// rpubsub: upstream's `mqtt_connect` in two halves, so that `EventLoop::connect` can write
/// more before the flush: the CONNECT packet ...
fn connect_packet(options: &MqttOptions) -> Connect {
    let mut connect = Connect::new(options.client_id());
    connect.keep_alive = options.keep_alive().as_secs() as u16;
    connect.clean_session = options.clean_session();
    connect.last_will = options.last_will();
    connect.login = options.credentials();
    // rpubsub: MQTT 3.1 when asked for (`MqttOptions::set_protocol`).
    connect.protocol = options.protocol();
    connect
}

/// ... and the CONNACK that must answer it.
async fn read_connack(network: &mut Network) -> Result<ConnAck, ConnectionError> {
    // validate connack
    match network.read().await? {
        Incoming::ConnAck(connack) if connack.code == ConnectReturnCode::Success => Ok(connack),
        Incoming::ConnAck(connack) => Err(ConnectionError::ConnectionRefused(connack.code)),
        packet => Err(ConnectionError::NotConnAck(packet)),
    }
}

// rpubsub: the tests of the changes marked `rpubsub:` above (crates/rumqttc/README.md).
#[cfg(test)]
mod rpubsub_tests {
    use super::*;
    use crate::mqttbytes::QoS;
    use bytes::BytesMut;
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    /// An event loop that is connected, as far as it knows, to a broker played by the test
    /// at the other end of the returned pipe.
    fn connected(inflight: u16) -> (EventLoop, DuplexStream) {
        let mut options = MqttOptions::new("test", "localhost", 1883);
        options.set_inflight(inflight);
        let mut eventloop = EventLoop::new(options, 100);
        let (client, broker) = tokio::io::duplex(1 << 20);
        eventloop.network = Some(Network::new(client, 1 << 20, 1 << 20));
        (eventloop, broker)
    }

    /// Polls until nothing happens for a while.
    async fn poll_until_idle(eventloop: &mut EventLoop) {
        while let Ok(event) = time::timeout(Duration::from_millis(50), eventloop.poll()).await {
            event.unwrap();
        }
    }

    /// Every packet the broker has been sent so far.
    async fn received(broker: &mut (impl AsyncReadExt + Unpin)) -> Vec<Packet> {
        let mut bytes = BytesMut::new();
        while let Ok(Ok(n)) =
            time::timeout(Duration::from_millis(20), broker.read_buf(&mut bytes)).await
        {
            if n == 0 {
                break;
            }
        }
        let mut packets = Vec::new();
        while !bytes.is_empty() {
            packets.push(Packet::read(&mut bytes, 1 << 20).unwrap());
        }
        packets
    }

    fn publish(pkid: u16, qos: QoS, payload: &str) -> Request {
        let mut publish = Publish::new("a", qos, payload.as_bytes());
        publish.pkid = pkid;
        Request::Publish(publish)
    }

    /// The payloads of the PUBLISH packets among `packets`.
    fn payloads(packets: &[Packet]) -> Vec<String> {
        packets
            .iter()
            .filter_map(|packet| match packet {
                Packet::Publish(p) => Some(String::from_utf8_lossy(&p.payload).into_owned()),
                _ => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn one_poll_writes_every_request_already_waiting() {
        let (mut eventloop, mut broker) = connected(100);
        for i in 0..10 {
            let request = publish(0, QoS::AtMostOnce, &i.to_string());
            eventloop.requests_tx.send(request).unwrap();
        }
        eventloop.poll().await.unwrap();
        let sent = received(&mut broker).await;
        assert_eq!(
            payloads(&sent),
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
        );
    }

    /// A queue as full as the tools' request queue (512) goes out in one poll: a burst of
    /// small publishes is a few large writes, not one flush per 64.
    #[tokio::test]
    async fn one_poll_writes_a_whole_queue_of_the_tools_requests() {
        let (mut eventloop, mut broker) = connected(100);
        let (tx, rx) = bounded(512);
        (eventloop.requests_tx, eventloop.requests_rx) = (tx, rx);
        let sent: Vec<String> = (0..512).map(|i| i.to_string()).collect();
        for payload in &sent {
            let request = publish(0, QoS::AtMostOnce, payload);
            eventloop.requests_tx.send(request).unwrap();
        }
        eventloop.poll().await.unwrap();
        assert_eq!(payloads(&received(&mut broker).await), sent);
    }

    #[tokio::test]
    async fn requests_left_from_the_last_connection_wait_for_room() {
        let (mut eventloop, mut broker) = connected(2);
        // Two publishes sent again with their ids, two new ones that were still in the channel.
        eventloop.pending.extend([
            publish(1, QoS::AtLeastOnce, "old 1"),
            publish(2, QoS::AtLeastOnce, "old 2"),
            publish(0, QoS::AtLeastOnce, "new 1"),
            publish(0, QoS::AtLeastOnce, "new 2"),
        ]);
        poll_until_idle(&mut eventloop).await;
        for pkid in [1, 2] {
            broker.write_all(&[0x40, 0x02, 0x00, pkid]).await.unwrap();
            poll_until_idle(&mut eventloop).await;
        }
        let sent = received(&mut broker).await;
        assert_eq!(payloads(&sent), ["old 1", "old 2", "new 1", "new 2"]);
    }

    /// rpubsub: a batch taken from the channel keeps to the window: of five QoS 1 publishes
    /// waiting, a window of 2 lets two out, and a PUBACK one more. The rest stay in the
    /// channel, where the tool's queue bound counts them: taken from it at a full window, the
    /// third would have been held back in the state as a collision instead.
    #[tokio::test]
    async fn a_batch_of_waiting_requests_stops_at_a_full_window() {
        let (mut eventloop, mut broker) = connected(2);
        for i in 1..=5 {
            let request = publish(0, QoS::AtLeastOnce, &i.to_string());
            eventloop.requests_tx.send(request).unwrap();
        }
        poll_until_idle(&mut eventloop).await;
        assert_eq!(payloads(&received(&mut broker).await), ["1", "2"]);
        assert_eq!(eventloop.requests_rx.len(), 3, "taken from the channel at a full window");
        assert!(eventloop.state.collision.is_none());
        broker.write_all(&[0x40, 0x02, 0x00, 1]).await.unwrap();
        poll_until_idle(&mut eventloop).await;
        assert_eq!(payloads(&received(&mut broker).await), ["3"]);
        assert_eq!(eventloop.requests_rx.len(), 2);
    }

    thread_local! {
        /// Heap allocations made on this thread.
        static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    }

    /// Counts allocations per thread for `a_poll_allocates_nothing_for_the_keepalive`; it is
    /// the allocator of every unit test of the crate, which it only counts for.
    struct CountingAllocator;

    unsafe impl GlobalAlloc for CountingAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            System.alloc(layout)
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            System.dealloc(ptr, layout)
        }
    }

    #[global_allocator]
    static ALLOCATOR: CountingAllocator = CountingAllocator;

    #[test]
    fn a_received_publish_is_queued_without_a_copy() {
        let mut state = MqttState::new(10, false);
        let mut publish = Publish::new("sensors/temperature", QoS::AtLeastOnce, "21");
        publish.pkid = 1;
        let packet = Incoming::Publish(publish.clone());
        let before = ALLOCATIONS.with(Cell::get);
        let ack = state.handle_incoming_packet(packet);
        // Upstream: one, the clone of the topic.
        assert_eq!(ALLOCATIONS.with(Cell::get) - before, 0);
        assert_eq!(ack.unwrap(), Some(Packet::PubAck(PubAck::new(1))));
        // The packet comes out ahead of the acknowledgement it caused, as upstream.
        assert_eq!(
            state.events.drain(..).collect::<Vec<_>>(),
            [
                Event::Incoming(Packet::Publish(publish)),
                Event::Outgoing(Outgoing::PubAck(1))
            ]
        );
    }

    #[tokio::test]
    async fn a_poll_allocates_nothing_for_the_keepalive() {
        let (mut eventloop, mut broker) = connected(100);
        // A full window leaves the network as the only branch of the select.
        eventloop.state.inflight = eventloop.mqtt_options.inflight;
        let mut allocations = Vec::new();
        for _ in 0..10 {
            broker.write_all(&[0xD0, 0x00]).await.unwrap(); // PINGRESP
            let before = ALLOCATIONS.with(Cell::get);
            let event = eventloop.poll().await.unwrap();
            allocations.push(ALLOCATIONS.with(Cell::get) - before);
            assert_eq!(event, Event::Incoming(Incoming::PingResp));
        }
        // The first polls may still grow buffers.
        assert_eq!(
            allocations[5..],
            [0; 5],
            "allocations per poll: {allocations:?}"
        );
    }

    #[test]
    fn localhost_is_resolved_without_the_blocking_pool() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            // The only thread of the blocking pool stays busy until the connection is made.
            let (release, busy) = std::sync::mpsc::channel::<()>();
            let blocker = tokio::task::spawn_blocking(move || busy.recv());
            let connect = socket_connect(format!("localhost:{port}"), NetworkOptions::new());
            let connected = time::timeout(Duration::from_secs(2), connect).await;
            drop(release);
            let _ = blocker.await;
            assert!(matches!(connected, Ok(Ok(_))), "{connected:?}");
        });
    }

    #[test]
    fn localhost_is_the_loopback_address_without_the_resolver() {
        let v4: SocketAddr = "127.0.0.1:1883".parse().unwrap();
        let v6: SocketAddr = "[::1]:1883".parse().unwrap();
        assert_eq!(localhost("localhost:1883"), Some([v4, v6]));
        assert_eq!(localhost("LocalHost:1883"), Some([v4, v6]));
        // Other names, and a port that does not parse, are the resolver's to answer.
        assert_eq!(localhost("localhost.example:1883"), None);
        assert_eq!(localhost("mylocalhost:1883"), None);
        assert_eq!(localhost("localhost:port"), None);
        assert_eq!(localhost("localhost"), None);
    }

    /// A broker on a loopback port that, for each connection, takes what the client's first
    /// writes brought and answers them with `connack`; what it took comes back.
    async fn broker_answering(connack: [u8; 4]) -> (u16, tokio::task::JoinHandle<Vec<Packet>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let broker = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let before_connack = received(&mut socket).await;
            socket.write_all(&connack).await.unwrap();
            // Kept open until the client has read CONNACK.
            let _ = time::timeout(Duration::from_secs(1), socket.read_u8()).await;
            before_connack
        });
        (port, broker)
    }

    const ACCEPTED: [u8; 4] = [0x20, 2, 0, 0];
    const NOT_AUTHORIZED: [u8; 4] = [0x20, 2, 0, 5];

    /// An event loop for a broker on `port`, with a QoS 1 publish queued.
    fn queued_publish(port: u16, with_connect: bool) -> EventLoop {
        let mut options = MqttOptions::new("test", "127.0.0.1", port);
        options.set_requests_with_connect(with_connect);
        let (client, eventloop) = crate::AsyncClient::new(options, 10);
        client.try_publish("a/b", QoS::AtLeastOnce, false, "hi").unwrap();
        eventloop
    }

    /// Item 25: with the option, the requests already queued go out with CONNECT; without it
    /// they wait for CONNACK, as upstream's do.
    #[tokio::test]
    async fn queued_requests_go_out_with_connect_only_when_asked() {
        for with_connect in [true, false] {
            let (port, broker) = broker_answering(ACCEPTED).await;
            let mut eventloop = queued_publish(port, with_connect);
            let event = eventloop.poll().await.unwrap();
            assert!(matches!(event, Event::Incoming(Packet::ConnAck(_))), "{event:?}");
            let before_connack = broker.await.unwrap();
            let kinds: Vec<_> = before_connack
                .iter()
                .map(|p| match p {
                    Packet::Connect(_) => "CONNECT",
                    Packet::Publish(_) => "PUBLISH",
                    _ => "other",
                })
                .collect();
            let expected = if with_connect {
                vec!["CONNECT", "PUBLISH"]
            } else {
                vec!["CONNECT"]
            };
            assert_eq!(kinds, expected, "with_connect {with_connect}");
        }
    }

    /// Item 25: what went out with CONNECT on a connection the broker refused is pending, as
    /// anything unacknowledged is when a connection fails.
    #[tokio::test]
    async fn what_went_out_with_a_refused_connect_is_pending() {
        let (port, broker) = broker_answering(NOT_AUTHORIZED).await;
        let mut eventloop = queued_publish(port, true);
        let refused = eventloop.poll().await;
        assert!(
            matches!(refused, Err(ConnectionError::ConnectionRefused(_))),
            "{refused:?}"
        );
        assert_eq!(broker.await.unwrap().len(), 2, "CONNECT and PUBLISH went out");
        let pending: Vec<_> = eventloop.pending.iter().collect();
        assert!(
            matches!(pending[..], [Request::Publish(p)] if p.pkid == 1),
            "{pending:?}"
        );
        assert_eq!(eventloop.state.inflight(), 0);
    }

    /// Item 25: requests pending from the last connection hold the queued ones back until
    /// CONNACK, which says whether they go out at all.
    #[tokio::test]
    async fn nothing_goes_out_with_connect_while_requests_are_pending() {
        let (port, broker) = broker_answering(ACCEPTED).await;
        let mut eventloop = queued_publish(port, true);
        eventloop.pending.push_back(publish(7, QoS::AtLeastOnce, "left"));
        eventloop.poll().await.unwrap();
        let before_connack = broker.await.unwrap();
        assert!(
            matches!(before_connack[..], [Packet::Connect(_)]),
            "{before_connack:?}"
        );
    }

    /// The TCP connection the loop makes acknowledges once the data pauses (item 24).
    #[tokio::test]
    async fn the_tcp_connection_acknowledges_once_the_data_pauses() {
        crate::ack_after_pause::assert_wraps(|port| async move {
            let options = MqttOptions::new("test", "127.0.0.1", port);
            network_connect(&options, NetworkOptions::new()).await
        })
        .await;
    }

    #[tokio::test]
    async fn a_broker_on_either_loopback_is_reached_by_localhost() {
        for bind in ["127.0.0.1:0", "[::1]:0"] {
            // No IPv6 on this machine: nothing to show for that family.
            let Ok(listener) = tokio::net::TcpListener::bind(bind).await else {
                assert!(bind.starts_with('['), "cannot listen on {bind}");
                continue;
            };
            let port = listener.local_addr().unwrap().port();
            let stream = socket_connect(format!("localhost:{port}"), NetworkOptions::new())
                .await
                .unwrap();
            let accepted = time::timeout(Duration::from_secs(5), listener.accept()).await;
            let (_, peer) = accepted.expect("the connection reached this listener").unwrap();
            assert_eq!(stream.local_addr().unwrap(), peer);
        }
    }

    #[tokio::test]
    async fn the_socket_binds_to_the_local_address_asked_for() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut options = NetworkOptions::new();
        options.set_bind_address("127.0.0.2".parse().unwrap());
        let stream = socket_connect(format!("127.0.0.1:{port}"), options)
            .await
            .unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(stream.local_addr().unwrap().ip(), peer.ip());
        assert_eq!(peer.ip().to_string(), "127.0.0.2");
        // An IPv6 local address has no way to an IPv4 broker: refused before connecting.
        let mut options = NetworkOptions::new();
        options.set_bind_address("::1".parse().unwrap());
        let err = socket_connect(format!("127.0.0.1:{port}"), options)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrNotAvailable);
    }

    /// `localhost` from 127.0.0.1 tries 127.0.0.1 and skips ::1: the error told is the
    /// refusal of the address tried, not the skip.
    #[tokio::test]
    async fn a_skipped_address_of_the_other_family_leaves_the_refusal_to_tell() {
        // A port that was free a moment ago: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut options = NetworkOptions::new();
        options.set_bind_address("127.0.0.1".parse().unwrap());
        let err = socket_connect(format!("localhost:{port}"), options)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    }

    #[test]
    fn connect_asks_for_the_protocol_set_in_the_options() {
        let mut options = MqttOptions::new("test", "localhost", 1883);
        options.set_protocol(crate::Protocol::V3);
        assert_eq!(connect_packet(&options).protocol, crate::Protocol::V3);
    }
}
