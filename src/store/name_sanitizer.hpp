#pragma once
// Turning names from the server or from a message (folder names, attachment file names) into
// one path component that is safe on Linux, macOS and Windows.

#include <string>
#include <string_view>

namespace imapmirror::store {

// Longest component we create, in bytes; leaves room below the 255-byte limit of common file
// systems for a collision suffix.
inline constexpr size_t kMaxComponentBytes = 150;

// One safe path component for `name` (UTF-8; invalid bytes are replaced):
// - '/', '\\', ':', '*', '?', '"', '<', '>', '|', control characters and invisible format
//   characters (Unicode Cf: bidi overrides and isolates U+202A-202E, U+2066-2069, zero-width
//   U+200B-200F, U+FEFF, ...) become '_';
// - leading dots become '_' (no hidden files, never "." or ".."); trailing dots and spaces
//   are dropped (Windows strips them);
// - Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension) get a '_'
//   prefix;
// - longer than kMaxComponentBytes: cut on a UTF-8 boundary, keeping a short extension;
// - empty: `fallback`.
// Deterministic: the same input always gives the same output.
std::string sanitize_component(std::string_view name, std::string_view fallback = "_");

// Key for collision checks on case- and normalisation-insensitive file systems (macOS, Windows):
// NFC, then Unicode case folding, so "Foo"/"foo" and "Café" in NFC and in NFD get one key.
// Names with equal keys never share a directory.
std::string collision_key(std::string_view component);

// "name.ext" -> "name (2).ext" for the n-th duplicate (n >= 2).
std::string numbered_variant(std::string_view component, int n);

}  // namespace imapmirror::store
