#pragma once
// A scripted IMAP server for sync unit tests: each command line the client sends is answered
// from a table of (words the command contains, untagged lines to send before the tagged OK),
// first match wins; a command no row matches gets a BAD, so a test sees a command it did not
// expect. Every command line is kept, so a test can say what was (not) sent.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../imap/wire_server.hpp"
#include "imap/client.hpp"

namespace imapmirror::test {

struct ScriptedMailbox {
    struct Answer {
        std::string command;   // a substring of the command line, e.g. "EXAMINE"
        std::string untagged;  // lines (each ending "\r\n") sent before the tagged reply
        std::string tagged = "OK done";
    };
    std::vector<Answer> answers;
    // Asked first, with the command (without its tag) and the tag: the whole answer, or ""
    // to leave the command to `answers`.
    std::function<std::string(const std::string& command, const std::string& tag)> custom;
    std::string capabilities;
    std::shared_ptr<std::vector<std::string>> commands =
        std::make_shared<std::vector<std::string>>();

    // A logged-in client over this script (its CAPABILITY answered with `capabilities`).
    std::unique_ptr<imap::Client> client() const {
        auto answers_copy = answers;
        auto custom_copy = custom;
        auto seen = commands;
        auto respond = [answers_copy, custom_copy, seen](const std::string& sent) {
            std::string out;
            size_t start = 0;
            for (size_t end; (end = sent.find("\r\n", start)) != std::string::npos;
                 start = end + 2) {
                const std::string line = sent.substr(start, end - start);
                const std::string command = line.substr(line.find(' ') + 1);
                seen->push_back(command);
                const std::string tag = tag_of(line);
                if (custom_copy) {
                    if (auto answer = custom_copy(command, tag); !answer.empty()) {
                        out += answer;
                        continue;
                    }
                }
                bool answered = false;
                for (const auto& a : answers_copy)
                    if (line.find(a.command) != std::string::npos) {
                        out += a.untagged + tag + " " + a.tagged + "\r\n";
                        answered = true;
                        break;
                    }
                if (!answered)
                    out += tag + " BAD not in the script\r\n";
            }
            return out;
        };
        auto client =
            imap::Client::over(std::make_unique<WireServer>(with_caps(capabilities, respond)));
        REQUIRE(client);
        seen->clear();  // the CAPABILITY of the login
        return std::move(*client);
    }

    // Whether some command sent contained `words`.
    bool sent(const std::string& words) const {
        for (const auto& c : *commands)
            if (c.find(words) != std::string::npos)
                return true;
        return false;
    }
};

// The UIDs of a UID set as a command carries it ("1:3,7"), ascending.
inline std::vector<uint32_t> uids_in(const std::string& set) {
    std::vector<uint32_t> out;
    size_t at = 0;
    while (at < set.size()) {
        size_t end = set.find(',', at);
        if (end == std::string::npos)
            end = set.size();
        const std::string range = set.substr(at, end - at);
        const size_t colon = range.find(':');
        const auto lo = static_cast<uint32_t>(std::stoul(range.substr(0, colon)));
        const auto hi = colon == std::string::npos
                            ? lo
                            : static_cast<uint32_t>(std::stoul(range.substr(colon + 1)));
        for (uint32_t u = lo; u <= hi; ++u)
            out.push_back(u);
        at = end + 1;
    }
    return out;
}

// The untagged lines of an EXAMINE answer.
inline std::string examined(uint64_t exists, uint32_t uidvalidity, uint32_t uidnext) {
    return "* " + std::to_string(exists) + " EXISTS\r\n* OK [UIDVALIDITY " +
           std::to_string(uidvalidity) + "] ok\r\n* OK [UIDNEXT " + std::to_string(uidnext) +
           "] ok\r\n";
}

}  // namespace imapmirror::test
