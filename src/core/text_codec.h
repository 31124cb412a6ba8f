#pragma once
// Text codecs shared by every module: percent-encoding (RFC 3986), hex, Base64
// and base64url (RFC 4648), and the display-safe form of untrusted text. Pure
// functions, no state.
//
// Untrusted text (consumer group ids, OpenLineage job names, catalog
// descriptions) reaches HTML, SVG and chat messages. Escaping markup is each
// renderer's job; DisplaySafe removes what no renderer can escape: invalid
// UTF-8, C0/C1 control characters, characters XML 1.0 forbids, and the bidi
// controls that reorder what a reader sees (U+202A–U+202E, U+2066–U+2069,
// U+200E, U+200F, U+061C).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tributary {

// The value of a hex digit (either case), or -1.
int HexDigitValue(char c);

// Every byte as two lower-case hex digits ("\x01\xab" -> "01ab").
std::string HexEncode(std::string_view bytes);

// Base64 (RFC 4648 §4): the standard alphabet, padded with '='. With
// `wrap_mime_lines`, a CRLF after every 76 characters (RFC 2045 §6.8), none after
// the last line.
std::string Base64Encode(std::string_view bytes, bool wrap_mime_lines = false);

// Strict Base64 (RFC 4648 §4): the standard alphabet, padded to a multiple of
// four characters, '=' only as the last one or two; no line breaks or spaces.
// The unused bits of the last character are not checked (RFC 4648 §3.5 leaves
// that to the decoder; OpenSSL does not either). nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view text);

// Lenient Base64 as a mail reader decodes MIME bodies (RFC 2045 §6.8): both the
// standard and the URL alphabet, every other character (line breaks, spaces,
// '=' wherever it is) skipped, a trailing partial byte dropped. Never fails.
std::string Base64DecodeLenient(std::string_view text);

// base64url (RFC 4648 §5) without padding, as JWTs and Kafka's topic ids write it.
std::string Base64UrlEncode(std::string_view bytes);

// Strict base64url without padding: nullopt for a character outside the URL
// alphabet (padding included) or a length of 1 modulo 4. The unused bits of the
// last character are not checked.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Every byte outside [A-Za-z0-9-._~] and `keep` as %XX (upper-case hex).
// Query values keep ":/" (ids stay readable); path segments keep nothing, so a
// '/' inside a name is %2F.
std::string PercentEncode(std::string_view text, std::string_view keep = "");

// Decodes %XX (and '+' as a space when `plus_is_space`); nullopt when a '%' is
// not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);
// Decodes %XX where two hex digits follow, and keeps a malformed escape as
// written (for names inside documents that are read, not validated: audit-log
// CRNs, JSON Schema $ref fragments).
std::string PercentDecodeLenient(std::string_view text);

// `text` with ASCII letters in lower case and every other byte as it is: for
// names compared without case (header names, media types, search).
std::string AsciiLower(std::string_view text);

// True for a code point that must not be shown as is: C0 and C1 controls (tab,
// line feed and carriage return included), DEL, bidi controls, U+FFFE/U+FFFF.
bool IsUnsafeCodePoint(std::uint32_t cp);

// `text` with every invalid UTF-8 sequence and every unsafe code point replaced
// by U+FFFD; when `keep_newlines`, '\n' and '\t' stay (multi-line free text).
std::string DisplaySafe(std::string_view text, bool keep_newlines = false);

// The first `max_bytes` of `text` made display-safe, with "…" when cut: for
// quoting untrusted input in error messages.
std::string Excerpt(std::string_view text, std::size_t max_bytes);

// True when `text` is valid UTF-8 without unsafe code points ('\n' and '\t'
// allowed when `allow_newlines`).
bool IsPrintableText(std::string_view text, bool allow_newlines = false);

// Decodes one UTF-8 code point at `text[i]`; advances `i`. nullopt (and `i`
// advanced by one) for an invalid, overlong or surrogate sequence.
std::optional<std::uint32_t> NextCodePoint(std::string_view text, std::size_t& i);

// Appends `cp` as UTF-8.
void AppendUtf8(std::uint32_t cp, std::string& out);

}  // namespace tributary
