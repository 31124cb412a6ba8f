#include "tributary/clock.h"

#include <charconv>
#include <cstdio>

namespace tributary {
namespace {

bool ParseDigits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) {
    return false;
  }
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// Builds `"text" suffix` by appending: GCC 12 warns falsely (-Wrestrict, bug
// 105329) on `"literal" + std::string(...)`.
std::string Quoted(std::string_view text, std::string_view suffix) {
  std::string out;
  out.reserve(text.size() + suffix.size() + 2);
  out.append("\"").append(text).append("\"").append(suffix);
  return out;
}

}  // namespace

std::string FormatRfc3339(Timestamp t) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(t);
  const year_month_day ymd(days);
  const hh_mm_ss hms(t - days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

Result<Timestamp> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  auto bad = [&] {
    return InvalidArgument(
        Quoted(s.substr(0, 64), " is not an RFC 3339 time (e.g. 2026-11-25T14:00:00Z)"));
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 20 || !ParseDigits(s, 0, 4, y) || s[4] != '-' || !ParseDigits(s, 5, 2, mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !ParseDigits(s, 11, 2, h) || s[13] != ':' || !ParseDigits(s, 14, 2, mi) || s[16] != ':' ||
      !ParseDigits(s, 17, 2, se)) {
    return bad();
  }
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) {
    return bad();
  }
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) {
        millis = millis * 10 + (s[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return bad();
    }
    for (int k = digits; k < 3; ++k) {
      millis *= 10;
    }
  }
  std::int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!ParseDigits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) {
    return bad();
  }
  const auto t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(se) + milliseconds(millis) -
                 minutes(offset_minutes);
  return time_point_cast<Duration>(t);
}

Result<Duration> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    std::string reason(" is not a duration (");
    reason.append(why).append("; e.g. 500ms, 30s, 15m, 1h, 30d)");
    return InvalidArgument(Quoted(text, reason));
  };
  if (text.empty()) {
    return bad("empty");
  }
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), n);
    if (ec != std::errc() || n < 0) {
      return bad("expected a number");
    }
    pos = static_cast<std::size_t>(end - text.data());
    std::int64_t unit = 0;
    if (text.substr(pos, 2) == "ms") {
      unit = 1;
      pos += 2;
    } else if (pos < text.size()) {
      switch (text[pos]) {
        case 's':
          unit = 1000;
          break;
        case 'm':
          unit = 60 * 1000;
          break;
        case 'h':
          unit = 3600 * 1000;
          break;
        case 'd':
          unit = 86400LL * 1000;
          break;
        case 'w':
          unit = 7 * 86400LL * 1000;
          break;
        default:
          return bad("unknown unit");
      }
      ++pos;
    } else {
      return bad("missing unit");
    }
    if (n > (INT64_MAX / unit) - total / unit) {
      return bad("too large");
    }
    total += n * unit;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  const auto ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  for (const Unit u :
       {Unit{86400000, "d"}, Unit{3600000, "h"}, Unit{60000, "m"}, Unit{1000, "s"}}) {
    if (ms % u.ms == 0) {
      return std::to_string(ms / u.ms) + u.name;
    }
  }
  return std::to_string(ms) + "ms";
}

}  // namespace tributary
