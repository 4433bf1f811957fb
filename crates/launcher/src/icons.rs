//! The icons the launcher stage draws (the launcher's bubble and chevron, the frame's send
//! arrow): their SVG path data, and the path attributes the shell's and the frame's tables use
//! (`currentColor`, so the theme colours them). The chat stage draws the same paths in its
//! Leptos views, so each drawing exists once.

/// A speech bubble (the launcher).
pub const CHAT: &str = "M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4.3 21l4-2.1c1.2.4 2.4.6 3.7.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3zm-4 9.8a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6z";
/// A downward chevron (minimise).
pub const CHEVRON_DOWN: &str = "M6 9.5l6 6 6-6";
/// A paper plane (send). Mirrored in right-to-left layouts by CSS (`wc-svg--flip`).
pub const SEND: &str = "M3.4 20.4l17.4-7.5a1 1 0 0 0 0-1.8L3.4 3.6a.9.9 0 0 0-1.3 1l1.8 6.1 9.1 1.3-9.1 1.3-1.8 6.1a.9.9 0 0 0 1.3 1z";

/// The chevron's path: a rounded stroke.
pub const STROKE_CHEVRON: &[(&str, &str)] = &[
    ("fill", "none"),
    ("stroke", "currentColor"),
    ("stroke-width", "2.2"),
    ("stroke-linecap", "round"),
    ("stroke-linejoin", "round"),
    ("d", CHEVRON_DOWN),
];

/// The send arrow's path: filled.
pub const FILL_SEND: &[(&str, &str)] = &[("fill", "currentColor"), ("d", SEND)];

/// A cross (dismiss).
pub const CROSS: &str = "M6.5 6.5l11 11M17.5 6.5l-11 11";

/// The cross's path: a rounded stroke.
pub const STROKE_CROSS: &[(&str, &str)] = &[
    ("fill", "none"),
    ("stroke", "currentColor"),
    ("stroke-width", "2"),
    ("stroke-linecap", "round"),
    ("d", CROSS),
];
