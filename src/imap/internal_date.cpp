#include "imap/internal_date.hpp"

#include <cstdio>
#include <ctime>

#include "imap/value.hpp"

namespace imapmirror::imap {

namespace {
// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
}  // namespace

std::optional<int64_t> parse_internal_date(std::string_view s) {
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    int day, year, hh, mm, ss, zone;
    char mon[4] = {0};
    char sign;
    std::string str(s);
    if (std::sscanf(str.c_str(), "%d-%3c-%d %d:%d:%d %c%4d", &day, mon, &year, &hh, &mm, &ss, &sign,
                    &zone) != 8)
        return std::nullopt;
    int month = 0;
    for (int i = 0; i < 12; ++i)
        if (iequals(mon, kMonths[i]))
            month = i + 1;
    if (!month || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 ||
        (sign != '+' && sign != '-'))
        return std::nullopt;
    int64_t t =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
        hh * 3600 + mm * 60 + ss;
    int64_t offset = (zone / 100) * 3600 + (zone % 100) * 60;
    return sign == '+' ? t - offset : t + offset;
}

std::string iso8601_utc(int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace imapmirror::imap
