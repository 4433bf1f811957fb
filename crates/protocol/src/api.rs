//! Public API types (PROTOCOL.md §1). (Skeleton.)
