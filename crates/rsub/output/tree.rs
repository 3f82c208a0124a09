//! `rsub --tree`: the topic tree seen during the run, as MQTT Explorer shows it, printed once
//! when the run ends (`-W`, `-C`, Ctrl+C). Per topic: how many messages came, the last
//! payload (shortened) and whether the broker holds a retained message there.
//!
//! Text: one line per level, indented with box-drawing lines on a terminal and plain ASCII
//! otherwise or with `--ascii`; a payload is shown as text with control characters escaped
//! (network bytes never act on the terminal), or as `<binary, N bytes>`. `--json`: one
//! object with a flat list of topics in order, each with its full name, so that jq needs no
//! recursion (README: "Retained messages, the topic tree").
//!
//! "Retained" is what rsub saw: a message delivered with the retain flag (the broker's
//! stored message, sent on subscribing), until one with an empty payload clears it. Memory is
//! bounded: at most [`MAX_TOPICS`] topics, each keeping [`KEEP`] bytes of its last payload;
//! messages on further topics are counted, and the tree says how many were left out.

use std::collections::BTreeMap;
use std::io::{self, Write};

use bytes::Bytes;
use serde_json::{json, Value};

use rpubsub_core::escape::escape;
use rpubsub_core::message_json::text_or_base64;
use rpubsub_core::session::Message;

/// The most topics the tree holds.
pub const MAX_TOPICS: usize = 10_000;

/// Bytes of each topic's last payload kept.
pub const KEEP: usize = 256;

/// Characters of a payload shown in the text tree.
const SHOWN: usize = 40;

/// How the tree is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeStyle {
    /// `--json` (`pretty`: `--pretty`).
    pub json: bool,
    pub pretty: bool,
    /// Plain ASCII lines: not a terminal, or `--ascii`.
    pub ascii: bool,
}

/// The topics seen so far.
#[derive(Debug, Default)]
pub struct Tree {
    root: Node,
    topics: usize,
    messages: u64,
    /// Messages on topics beyond [`MAX_TOPICS`].
    left_out: u64,
}

#[derive(Debug, Default)]
struct Node {
    children: BTreeMap<String, Node>,
    seen: Option<Seen>,
}

/// What came on one topic.
#[derive(Debug)]
struct Seen {
    messages: u64,
    retained: bool,
    /// The first [`KEEP`] bytes of the last payload, and its full length.
    last: Bytes,
    len: usize,
}

impl Tree {
    /// Count one message.
    pub fn record(&mut self, message: &Message) {
        self.messages += 1;
        let topic = String::from_utf8_lossy(&message.topic);
        let full = self.topics >= MAX_TOPICS;
        let mut node = &mut self.root;
        for level in topic.split('/') {
            if full && !node.children.contains_key(level) {
                self.left_out += 1;
                return;
            }
            node = node.children.entry(level.to_string()).or_default();
        }
        let payload = &message.payload;
        // A copy, not a slice: a slice would keep the whole payload alive.
        let last = Bytes::copy_from_slice(&payload[..payload.len().min(KEEP)]);
        match &mut node.seen {
            None if full => {
                self.left_out += 1;
                return;
            }
            None => {
                self.topics += 1;
                node.seen = Some(Seen {
                    messages: 0,
                    retained: false,
                    last: Bytes::new(),
                    len: 0,
                });
            }
            Some(_) => {}
        }
        if let Some(seen) = &mut node.seen {
            seen.messages += 1;
            if message.retain {
                seen.retained = !payload.is_empty();
            }
            seen.last = last;
            seen.len = payload.len();
        }
    }

    /// Print the tree in `style`.
    pub fn write(&self, out: &mut impl Write, style: TreeStyle) -> io::Result<()> {
        if style.json {
            let value = self.to_json();
            if style.pretty {
                serde_json::to_writer_pretty(&mut *out, &value)?;
            } else {
                serde_json::to_writer(&mut *out, &value)?;
            }
            return out.write_all(b"\n");
        }
        let lines = if style.ascii { &ASCII } else { &BOXES };
        for (name, node) in &self.root.children {
            writeln!(out, "{}", node.line(name, lines))?;
            node.write_children(out, "", lines)?;
        }
        if self.left_out > 0 {
            writeln!(
                out,
                "({} messages on topics beyond the first {MAX_TOPICS} not shown)",
                self.left_out
            )?;
        }
        Ok(())
    }

    /// `{"messages": N, "topics": [{"topic": ..., "messages": ..., "retained": ...,
    /// "payload": ..., "bytes": ...}, ...], "left_out": N}`, topics in the tree's order.
    pub fn to_json(&self) -> Value {
        let mut topics = Vec::with_capacity(self.topics);
        self.root.flatten(None, &mut topics);
        json!({
            "messages": self.messages,
            "topics": topics,
            "left_out": self.left_out,
        })
    }
}

/// The strokes of the tree: the connector of a child that has siblings after it, of the last
/// child, and the indentation under each.
struct Lines {
    branch: &'static str,
    last: &'static str,
    through: &'static str,
    blank: &'static str,
    more: &'static str,
}

const BOXES: Lines = Lines {
    branch: "├── ",
    last: "└── ",
    through: "│   ",
    blank: "    ",
    more: "…",
};

const ASCII: Lines = Lines {
    branch: "|-- ",
    last: "`-- ",
    through: "|   ",
    blank: "    ",
    more: "...",
};

impl Node {
    fn write_children(&self, out: &mut impl Write, prefix: &str, lines: &Lines) -> io::Result<()> {
        let count = self.children.len();
        for (i, (name, child)) in self.children.iter().enumerate() {
            let last = i + 1 == count;
            let connector = if last { lines.last } else { lines.branch };
            writeln!(out, "{prefix}{connector}{}", child.line(name, lines))?;
            let under = if last { lines.blank } else { lines.through };
            child.write_children(out, &format!("{prefix}{under}"), lines)?;
        }
        Ok(())
    }

    /// `temp = 21.5  (3 messages, retained)`, or for a level without messages of its own,
    /// `kitchen  (2 topics, 4 messages)`.
    fn line(&self, name: &str, lines: &Lines) -> String {
        let name = if name.is_empty() {
            "\"\"".into()
        } else {
            escape(name).into_owned()
        };
        let (topics, messages) = self.below();
        match &self.seen {
            Some(seen) => {
                let mut line = format!(
                    "{name} = {}  ({}",
                    seen.shown(lines),
                    plural(seen.messages, "message")
                );
                if seen.retained {
                    line.push_str(", retained");
                }
                if !self.children.is_empty() {
                    let below = messages - seen.messages;
                    line.push_str(&format!(
                        "; below: {}, {}",
                        plural(topics - 1, "topic"),
                        plural(below, "message")
                    ));
                }
                line.push(')');
                line
            }
            None => format!(
                "{name}  ({}, {})",
                plural(topics, "topic"),
                plural(messages, "message")
            ),
        }
    }

    /// Topics and messages in this node and everything under it.
    fn below(&self) -> (u64, u64) {
        let own = self.seen.as_ref().map_or((0, 0), |s| (1, s.messages));
        self.children.values().fold(own, |(t, m), child| {
            let (ct, cm) = child.below();
            (t + ct, m + cm)
        })
    }

    fn flatten(&self, topic: Option<&str>, out: &mut Vec<Value>) {
        if let (Some(topic), Some(seen)) = (topic, &self.seen) {
            out.push(seen.to_json(topic));
        }
        for (name, child) in &self.children {
            let full = match topic {
                Some(parent) => format!("{parent}/{name}"),
                None => name.clone(),
            };
            child.flatten(Some(&full), out);
        }
    }
}

impl Seen {
    /// The last payload for a terminal: text, escaped and shortened, or what it is.
    fn shown(&self, lines: &Lines) -> String {
        if self.len == 0 {
            return "\"\"".into();
        }
        let Some(text) = self.text() else {
            return format!("<binary, {}>", plural(self.len as u64, "byte"));
        };
        let cut = text.char_indices().nth(SHOWN).map(|(at, _)| at);
        let more = cut.is_some() || self.len > self.last.len();
        let text = escape(&text[..cut.unwrap_or(text.len())]).into_owned();
        if more {
            format!("{text}{}", lines.more)
        } else {
            text
        }
    }

    /// The kept bytes as text, if they are UTF-8 (a character cut at the end of what was kept
    /// does not make it binary).
    fn text(&self) -> Option<&str> {
        match std::str::from_utf8(&self.last) {
            Ok(text) => Some(text),
            Err(e) if e.error_len().is_none() && self.len > self.last.len() => {
                std::str::from_utf8(&self.last[..e.valid_up_to()]).ok()
            }
            Err(_) => None,
        }
    }

    fn to_json(&self, topic: &str) -> Value {
        // Text cut inside a character is still text.
        let (payload, base64) = match self.text() {
            Some(text) => (text.to_string(), false),
            None => text_or_base64(&self.last),
        };
        let mut value = json!({
            "topic": topic,
            "messages": self.messages,
            "retained": self.retained,
            "payload": payload,
            "bytes": self.len,
        });
        if base64 {
            value["encoding"] = "base64".into();
        }
        if self.len > self.last.len() {
            value["truncated"] = true.into();
        }
        value
    }
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpubsub_core::qos::Qos;

    fn message(topic: &str, payload: &[u8], retain: bool) -> Message {
        Message {
            topic: Bytes::copy_from_slice(topic.as_bytes()),
            payload: Bytes::copy_from_slice(payload),
            qos: Qos::AtMostOnce,
            retain,
            dup: false,
            pkid: 0,
            properties: None,
        }
    }

    fn drawn(tree: &Tree, ascii: bool) -> String {
        let mut out = Vec::new();
        let style = TreeStyle {
            json: false,
            pretty: false,
            ascii,
        };
        tree.write(&mut out, style).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn house() -> Tree {
        let mut tree = Tree::default();
        tree.record(&message("home/kitchen/temp", b"21.5", true));
        tree.record(&message("home/kitchen/temp", b"21.7", false));
        tree.record(&message("home/hall/light", b"on", false));
        tree.record(&message("home", b"\x1b[2J", false));
        tree.record(&message("raw", &[0xff, 0, 1], false));
        tree
    }

    #[test]
    fn levels_counts_retained_and_payloads() {
        let expected = [
            "home = \\x1b[2J  (1 message; below: 2 topics, 3 messages)",
            "├── hall  (1 topic, 1 message)",
            "│   └── light = on  (1 message)",
            "└── kitchen  (1 topic, 2 messages)",
            "    └── temp = 21.7  (2 messages, retained)",
            "raw = <binary, 3 bytes>  (1 message)",
        ];
        assert_eq!(drawn(&house(), false), expected.join("\n") + "\n");
        assert_eq!(
            drawn(&house(), true).lines().nth(2),
            Some("|   `-- light = on  (1 message)")
        );
    }

    #[test]
    fn long_payloads_are_shortened_and_empty_retained_ones_clear() {
        let mut tree = Tree::default();
        let long = format!("a{}", "é".repeat(300));
        tree.record(&message("a", long.as_bytes(), false));
        tree.record(&message("b", b"x", true));
        tree.record(&message("b", b"", true));
        let text = drawn(&tree, true);
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!("a = a{}...  (1 message)", "é".repeat(SHOWN - 1))
        );
        assert_eq!(text.lines().nth(1), Some("b = \"\"  (2 messages)"));
        let json = tree.to_json();
        assert_eq!(json["topics"][0]["bytes"], 601);
        assert_eq!(json["topics"][0]["truncated"], true);
        // Cut inside a character, kept as the text before it.
        let kept = format!("a{}", "é".repeat(127));
        assert_eq!(json["topics"][0]["payload"], kept.as_str());
        assert!(json["topics"][0].get("encoding").is_none());
        assert_eq!(json["topics"][1]["retained"], false);
    }

    #[test]
    fn json_is_a_flat_list_of_full_topics() {
        let json = house().to_json();
        let topics: Vec<&str> = json["topics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["topic"].as_str())
            .collect();
        assert_eq!(
            topics,
            ["home", "home/hall/light", "home/kitchen/temp", "raw"]
        );
        assert_eq!(json["messages"], 5);
        assert_eq!(json["topics"][2]["retained"], true);
        assert_eq!(json["topics"][3]["encoding"], "base64");
    }

    #[test]
    fn the_tree_is_bounded() {
        let mut tree = Tree::default();
        for i in 0..MAX_TOPICS + 5 {
            tree.record(&message(&format!("t/{i}"), b"x", false));
        }
        tree.record(&message("t/0", b"y", false));
        assert_eq!(
            (tree.topics, tree.left_out, tree.messages),
            (MAX_TOPICS, 5, MAX_TOPICS as u64 + 6)
        );
        assert!(drawn(&tree, true)
            .ends_with("(5 messages on topics beyond the first 10000 not shown)\n"));
    }
}
