//! The page title while agent messages are unread: [`TitleFlash`] alternates the page's own
//! title with the unread text ("(2) New messages") and gives the page's title back exactly
//! when nothing is unread any more.
//!
//! Pure: the browser side reads `document.title`, calls [`TitleFlash::step`] on every change of
//! the count and on its own tick, and writes what it returns. A title the page sets meanwhile
//! (a single-page app changing routes) becomes the title given back; the flash never writes
//! over it with an old one.

/// The flashing state. `TitleFlash::default()` is idle: the page's title is untouched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TitleFlash {
    /// The page's own title, while flashing.
    original: Option<String>,
    /// What this flash wrote last (to tell a title the page set from ours).
    written: Option<String>,
}

impl TitleFlash {
    /// One step: `current` is `document.title` now, `alert` the unread text (`None`: nothing
    /// unread, or the window is open), `tick` whether the flash timer fired (time to alternate).
    /// Returns the title to write, if it changes.
    pub fn step(&mut self, current: &str, alert: Option<&str>, tick: bool) -> Option<String> {
        if self.original.is_some() && self.written.as_deref() != Some(current) {
            // The page set a title of its own while we flashed: that is the one to give back.
            self.original = Some(current.to_owned());
        }
        let Some(alert) = alert else {
            self.written = None;
            return self.original.take().filter(|o| o != current);
        };
        let showing_alert =
            self.written.as_deref() == Some(current) && self.original.as_deref() != Some(current);
        let next = match &self.original {
            None => {
                self.original = Some(current.to_owned());
                alert.to_owned()
            }
            Some(original) if tick && showing_alert => original.clone(),
            Some(_) if tick || showing_alert => alert.to_owned(),
            // Showing the page's title between two ticks: the new count shows at the next one.
            Some(_) => return None,
        };
        self.written = Some(next.clone());
        (next != current).then_some(next)
    }

    /// Whether a flash is under way (the timer should tick).
    pub fn flashing(&self) -> bool {
        self.original.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::TitleFlash;

    /// Runs `step` and applies what it returns to `title`.
    fn run(f: &mut TitleFlash, title: &mut String, alert: Option<&str>, tick: bool) {
        if let Some(t) = f.step(title, alert, tick) {
            *title = t;
        }
    }

    #[test]
    fn alternates_and_gives_the_title_back_exactly() {
        let mut f = TitleFlash::default();
        let mut title = String::from("Shop – Shoes ");
        run(&mut f, &mut title, Some("(1) New message"), false);
        assert_eq!(title, "(1) New message");
        assert!(f.flashing());
        run(&mut f, &mut title, Some("(1) New message"), true);
        assert_eq!(title, "Shop – Shoes ");
        run(&mut f, &mut title, Some("(1) New message"), true);
        assert_eq!(title, "(1) New message");
        run(&mut f, &mut title, None, false);
        assert_eq!(title, "Shop – Shoes ", "restored byte for byte");
        assert!(!f.flashing());
        assert_eq!(f.step(&title, None, true), None, "idle: nothing written");
    }

    #[test]
    fn a_new_count_shows_at_once_when_the_alert_is_up() {
        let mut f = TitleFlash::default();
        let mut title = String::from("Home");
        run(&mut f, &mut title, Some("(1) New message"), false);
        run(&mut f, &mut title, Some("(2) New messages"), false);
        assert_eq!(title, "(2) New messages");
        run(&mut f, &mut title, Some("(2) New messages"), true);
        assert_eq!(title, "Home");
        // Between two ticks the page's title stays; the count shows at the next tick.
        run(&mut f, &mut title, Some("(3) New messages"), false);
        assert_eq!(title, "Home");
        run(&mut f, &mut title, Some("(3) New messages"), true);
        assert_eq!(title, "(3) New messages");
    }

    #[test]
    fn a_title_the_page_sets_meanwhile_is_the_one_given_back() {
        let mut f = TitleFlash::default();
        let mut title = String::from("Cart");
        run(&mut f, &mut title, Some("(1) New message"), false);
        // A single-page app moves to another route and sets its title.
        title = String::from("Checkout");
        run(&mut f, &mut title, Some("(1) New message"), true);
        assert_eq!(title, "(1) New message");
        run(&mut f, &mut title, Some("(1) New message"), true);
        assert_eq!(title, "Checkout");
        title = String::from("Paid");
        run(&mut f, &mut title, None, false);
        assert_eq!(
            title, "Paid",
            "the page's newest title is never overwritten"
        );
    }

    #[test]
    fn an_empty_page_title_comes_back_empty() {
        let mut f = TitleFlash::default();
        let mut title = String::new();
        run(&mut f, &mut title, Some("(1) New message"), false);
        assert_eq!(title, "(1) New message");
        run(&mut f, &mut title, None, false);
        assert_eq!(title, "");
    }
}
