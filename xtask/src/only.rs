//! `--only a,b`: the named items of a fixed list (test groups, bench areas). It checks names and
//! keeps the list's own order; it knows nothing of what the items are.

use crate::error::Error;

/// The items of `all` named in the comma-separated `list`, in `all`'s order. `kind` names one
/// item in messages (`test group`), `noun` its short form (`group`).
pub fn pick<T: Copy + PartialEq>(
    list: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    kind: &str,
    noun: &str,
) -> Result<Vec<T>, Error> {
    let mut wanted = Vec::new();
    for wanted_name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let item = all
            .iter()
            .copied()
            .find(|&t| name(t) == wanted_name)
            .ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|&t| name(t)).collect();
                Error::Usage(format!(
                    "unknown {kind} `{wanted_name}`; {noun}s: {}",
                    names.join(", ")
                ))
            })?;
        wanted.push(item);
    }
    if wanted.is_empty() {
        return Err(Error::Usage(format!("--only needs at least one {noun}")));
    }
    Ok(all.iter().copied().filter(|t| wanted.contains(t)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [u8; 3] = [1, 2, 3];
    fn name(n: u8) -> &'static str {
        ["zero", "one", "two", "three"][usize::from(n)]
    }

    #[test]
    fn keeps_the_lists_order_and_names_the_unknown() {
        assert_eq!(
            pick("three, one", &ALL, name, "number", "number").unwrap(),
            vec![1, 3]
        );
        match pick("one,four", &ALL, name, "test number", "number") {
            Err(Error::Usage(m)) => {
                assert_eq!(m, "unknown test number `four`; numbers: one, two, three")
            }
            other => panic!("{other:?}"),
        }
        match pick(" , ", &ALL, name, "number", "number") {
            Err(Error::Usage(m)) => assert_eq!(m, "--only needs at least one number"),
            other => panic!("{other:?}"),
        }
    }
}
