#include "transport/auth_choice.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace imapmirror::transport {

namespace {

using core::ascii_upper;

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::vector<std::string> offered_mechanisms(std::string_view line) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < line.size()) {
        size_t end = line.find_first_of(" ]\r\n", pos);
        if (end == std::string_view::npos)
            end = line.size();
        std::string atom = ascii_upper(line.substr(pos, end - pos));
        if (atom.rfind("AUTH=", 0) == 0 && atom.size() > 5 && !contains(out, atom.substr(5)))
            out.push_back(atom.substr(5));
        pos = end + 1;
    }
    return out;
}

const std::vector<std::string>& known_mechanisms() {
    static const std::vector<std::string> mechs{"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5"};
    return mechs;
}

core::Result<std::string> login_options_for(std::string_view wanted,
                                            const std::vector<std::string>& offered) {
    const std::string mech = ascii_upper(wanted);
    if (mech.empty() || mech == "AUTO") {
        for (const char* m : {"PLAIN", "LOGIN"})
            if (contains(offered, m))
                return "AUTH=" + std::string(m);
        return std::string();
    }
    if (contains(offered, mech))
        return "AUTH=" + mech;
    std::string list;
    for (const auto& m : offered)
        list += (list.empty() ? "" : ", ") + m;
    auto e = core::make_error(core::ErrorKind::Auth,
                              "the server does not offer the " + mech + " mechanism (it offers " +
                                  (list.empty() ? "no SASL mechanism" : list) + ")");
    e.scope = core::Scope::Session;
    e.hint = "leave --auth-mech at auto, or pick one the server offers";
    return e;
}

}  // namespace imapmirror::transport
