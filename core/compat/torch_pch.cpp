// Compiled only to build the shared torch precompiled header.
