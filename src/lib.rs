//! webchat: the embeddable chat widget. (Skeleton.)
