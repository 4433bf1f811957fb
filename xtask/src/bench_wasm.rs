//! What the widget's wasm is made of, for `cargo xtask bench`'s size table: a small reader of
//! the WebAssembly binary format that sizes every function body and the data segments and
//! names them from the `name` custom section, grouped by crate (a twiggy-`top`-style view that
//! needs no extra tool).
//!
//! It reads a build that kept its names (the shipped one has them removed); the function
//! bodies are the same bytes. What it does not: disassemble, attribute data segments to
//! functions, or count what a function's callees cost (twiggy's retained size).

use std::collections::BTreeMap;

/// A sized wasm module.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Breakdown {
    /// Bytes of the whole file.
    pub total: usize,
    /// Bytes of every section by kind (`code`, `data`, `custom:name`, …).
    pub sections: Vec<(String, usize)>,
    /// Every defined function: name (or `func[N]`) and body bytes, largest first.
    pub functions: Vec<(String, usize)>,
}

impl Breakdown {
    /// Function bytes summed per crate, largest first.
    pub fn by_crate(&self) -> Vec<(String, usize)> {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for (name, bytes) in &self.functions {
            *m.entry(crate_of(name)).or_default() += bytes;
        }
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    pub fn section(&self, name: &str) -> usize {
        self.sections
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, b)| b)
            .sum()
    }
}

/// Which crate a (demangled) function name belongs to: the first path segment, looking through
/// `<T as Trait>` wrappers; wasm-bindgen's shims and unnamed functions have groups of their own.
pub fn crate_of(name: &str) -> String {
    let name = demangle(name);
    let mut trimmed = name.trim_start_matches(['<', '&', '*', ' ']);
    for prefix in ["mut ", "dyn ", "const "] {
        trimmed = trimmed.strip_prefix(prefix).unwrap_or(trimmed);
    }
    if trimmed.starts_with("__wbg") || trimmed.starts_with("__wbindgen") {
        return "wasm-bindgen shims".into();
    }
    if trimmed.starts_with("func[") {
        return "(unnamed)".into();
    }
    let Some(i) = trimmed.find("::") else {
        return "(no crate: libc / compiler builtins)".into();
    };
    let head = &trimmed[..i];
    // `<T as some_crate::Trait>::f`: a generic type says nothing, the trait's crate does.
    if let Some(at) = head.find(" as ") {
        return crate_of(&trimmed[at + 4..]);
    }
    if head.contains(['>', '[', ' ', '(']) || is_primitive(head) {
        return "core / alloc (primitive types)".into();
    }
    head.replace('-', "_")
}

fn is_primitive(s: &str) -> bool {
    matches!(
        s,
        "str"
            | "bool"
            | "char"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "f32"
            | "f64"
    )
}

/// Legacy Rust symbols (`_ZN3foo3barE`, with the `h…` hash) to `foo::bar`; anything else is
/// returned as is, minus a trailing `::h0123456789abcdef` hash.
pub fn demangle(name: &str) -> String {
    let mut out = match name.strip_prefix("_ZN") {
        Some(mut rest) => {
            let mut parts = Vec::new();
            loop {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                let Ok(len) = rest[..digits].parse::<usize>() else {
                    break;
                };
                let Some(part) = rest.get(digits..digits + len) else {
                    break;
                };
                parts.push(
                    part.replace("$LT$", "<")
                        .replace("$GT$", ">")
                        .replace("..", "::"),
                );
                rest = &rest[digits + len..];
            }
            if parts.is_empty() {
                name.to_owned()
            } else {
                parts.join("::")
            }
        }
        None => name.to_owned(),
    };
    // v0-style crate disambiguators (`core[c5930c85a12de822]`) only add noise.
    while let Some(start) = out.find('[') {
        let Some(len) = out[start + 1..].find(']') else {
            break;
        };
        let inner = &out[start + 1..start + 1 + len];
        if inner.len() >= 8 && inner.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.replace_range(start..start + len + 2, "");
        } else {
            break;
        }
    }
    if let Some(i) = out.rfind("::h") {
        let hash = &out[i + 3..];
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.truncate(i);
        }
    }
    out
}

/// A reader over a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Result<u8, String> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| format!("unexpected end at byte {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn leb(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("LEB128 too long at byte {}", self.pos))
    }

    fn usize(&mut self) -> Result<usize, String> {
        usize::try_from(self.leb()?).map_err(|e| e.to_string())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format!("{n} bytes past the end at byte {}", self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn name(&mut self) -> Result<String, String> {
        let n = self.usize()?;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    fn limits(&mut self) -> Result<(), String> {
        let flags = self.u8()?;
        self.leb()?;
        if flags & 1 != 0 {
            self.leb()?;
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }
}

const SECTION_NAMES: [&str; 14] = [
    "custom",
    "type",
    "import",
    "function",
    "table",
    "memory",
    "global",
    "export",
    "start",
    "element",
    "code",
    "data",
    "datacount",
    "tag",
];

/// Sizes a wasm binary. Errors name what is malformed.
pub fn analyse(wasm: &[u8]) -> Result<Breakdown, String> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err("not a wasm module (no \\0asm magic)".into());
    }
    let mut r = Reader {
        bytes: wasm,
        pos: 8,
    };
    let mut imported_funcs = 0usize;
    let mut bodies: Vec<usize> = Vec::new();
    let mut names: BTreeMap<usize, String> = BTreeMap::new();
    let mut sections = Vec::new();
    while !r.done() {
        let id = r.u8()?;
        let size = r.usize()?;
        let body = r.take(size)?;
        let mut s = Reader {
            bytes: body,
            pos: 0,
        };
        let kind = SECTION_NAMES
            .get(usize::from(id))
            .copied()
            .unwrap_or("unknown");
        match id {
            0 => {
                let name = s.name()?;
                if name == "name" {
                    read_function_names(&mut s, &mut names)?;
                }
                sections.push((format!("custom:{name}"), size + 1 + leb_len(size)));
                continue;
            }
            2 => {
                let count = s.usize()?;
                for _ in 0..count {
                    s.name()?;
                    s.name()?;
                    match s.u8()? {
                        0 => {
                            s.leb()?;
                            imported_funcs += 1;
                        }
                        1 => {
                            s.u8()?;
                            s.limits()?;
                        }
                        2 => s.limits()?,
                        3 => {
                            s.u8()?;
                            s.u8()?;
                        }
                        4 => {
                            s.u8()?;
                            s.leb()?;
                        }
                        k => return Err(format!("unknown import kind {k}")),
                    }
                }
            }
            10 => {
                let count = s.usize()?;
                for _ in 0..count {
                    let n = s.usize()?;
                    s.take(n)?;
                    bodies.push(n);
                }
            }
            _ => {}
        }
        sections.push((kind.to_owned(), size + 1 + leb_len(size)));
    }
    let mut functions: Vec<(String, usize)> = bodies
        .iter()
        .enumerate()
        .map(|(i, &bytes)| {
            let index = imported_funcs + i;
            let name = names
                .remove(&index)
                .map(|n| demangle(&n))
                .unwrap_or_else(|| format!("func[{index}]"));
            (name, bytes)
        })
        .collect();
    functions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Breakdown {
        total: wasm.len(),
        sections,
        functions,
    })
}

/// The function-names subsection (id 1) of a `name` section; other subsections are skipped.
fn read_function_names(
    s: &mut Reader<'_>,
    names: &mut BTreeMap<usize, String>,
) -> Result<(), String> {
    while !s.done() {
        let sub = s.u8()?;
        let size = s.usize()?;
        let body = s.take(size)?;
        if sub != 1 {
            continue;
        }
        let mut f = Reader {
            bytes: body,
            pos: 0,
        };
        let count = f.usize()?;
        for _ in 0..count {
            let index = f.usize()?;
            let name = f.name()?;
            names.insert(index, name);
        }
    }
    Ok(())
}

fn leb_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leb(mut n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }

    fn section(id: u8, body: Vec<u8>) -> Vec<u8> {
        let mut s = vec![id];
        s.extend(leb(body.len()));
        s.extend(body);
        s
    }

    fn name(s: &str) -> Vec<u8> {
        let mut v = leb(s.len());
        v.extend(s.as_bytes());
        v
    }

    /// One imported function, two defined ones (bodies of 3 and 200 bytes), a data segment of
    /// 5 bytes and a name section naming the import and the big function.
    fn module() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        let mut imports = leb(1);
        imports.extend(name("env"));
        imports.extend(name("f"));
        imports.extend([0, 0]);
        m.extend(section(2, imports));
        let mut code = leb(2);
        code.extend(leb(3));
        code.extend([0, 0x01, 0x0b]);
        code.extend(leb(200));
        code.extend(vec![0x01; 199]);
        code.push(0x0b);
        m.extend(section(10, code));
        m.extend(section(11, vec![1, 0, 0x41, 0, 0x0b, 5, 1, 2, 3, 4, 5]));
        let mut names = leb(2);
        names.extend(leb(0));
        names.extend(name("env::f"));
        names.extend(leb(2));
        names.extend(name(
            "webchat::model::store::ChatStore::restore::h0123456789abcdef",
        ));
        let mut sub = vec![1];
        sub.extend(leb(names.len()));
        sub.extend(names);
        let mut custom = name("name");
        custom.extend(sub);
        m.extend(section(0, custom));
        m
    }

    #[test]
    fn sizes_functions_and_sections_with_names() {
        let b = analyse(&module()).unwrap();
        assert_eq!(
            b.functions,
            vec![
                ("webchat::model::store::ChatStore::restore".to_string(), 200),
                ("func[1]".to_string(), 3),
            ]
        );
        assert_eq!(b.section("code"), 1 + 2 + 1 + 1 + 3 + 2 + 200);
        assert_eq!(b.section("data"), 13);
        assert!(b.section("custom:name") > 0);
        assert_eq!(b.total, module().len());
        let crates = b.by_crate();
        assert_eq!(crates[0], ("webchat".to_string(), 200));
        assert_eq!(crates[1], ("(unnamed)".to_string(), 3));
    }

    #[test]
    fn rejects_what_is_not_wasm() {
        assert!(analyse(b"hello world").is_err());
        let mut truncated = module();
        truncated.truncate(20);
        assert!(analyse(&truncated).is_err());
    }

    #[test]
    fn crates_and_demangling() {
        assert_eq!(
            demangle("_ZN4core3fmt5write17h0123456789abcdefE"),
            "core::fmt::write"
        );
        assert_eq!(
            demangle("core::fmt::write::h0123456789abcdef"),
            "core::fmt::write"
        );
        assert_eq!(demangle("memcpy"), "memcpy");
        assert_eq!(
            crate_of("<alloc::vec::Vec<T> as core::clone::Clone>::clone::h0123456789abcdef"),
            "alloc"
        );
        assert_eq!(crate_of("<&mut leptos::view::X as Y>::f"), "leptos");
        assert_eq!(
            crate_of("reactive_graph::signal::arc_rw::f"),
            "reactive_graph"
        );
        assert_eq!(crate_of("memcpy"), "(no crate: libc / compiler builtins)");
        assert_eq!(crate_of("__wbg_new_abc"), "wasm-bindgen shims");
        assert_eq!(crate_of("func[12]"), "(unnamed)");
        assert_eq!(crate_of("core[c5930c85a12de822]::num::fmt"), "core");
        assert_eq!(
            demangle("<dlmalloc[e24a27700634d609]::Dlmalloc>::malloc"),
            "<dlmalloc::Dlmalloc>::malloc"
        );
        assert_eq!(
            crate_of("<T as reactive_graph::traits::Get>::get"),
            "reactive_graph"
        );
        assert_eq!(
            crate_of("<str>::to_lowercase"),
            "core / alloc (primitive types)"
        );
        assert_eq!(crate_of("<[T]>::sort"), "core / alloc (primitive types)");
    }
}
