//! Sans-IO core of webchat. (Skeleton: filled in by the protocol issue.)

pub mod api;
