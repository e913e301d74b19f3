#include "scripted_imap.hpp"

#include <poll.h>
#include <sys/socket.h>

namespace imapmirror::test {

void send_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        off += static_cast<size_t>(n);
    }
}

void wait_for_close(int fd) {
    char buf[256];
    for (int i = 0; i < 300; ++i) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) > 0 && ::recv(fd, buf, sizeof buf, 0) <= 0)
            return;
    }
}

std::function<void(int)> scripted_imap(
    std::function<std::string(const std::string&, const std::string&)> answer,
    std::string greeting) {
    return [answer, greeting](int fd) {
        send_all(fd, greeting);
        std::string buf;
        char chunk[4096];
        for (;;) {
            size_t nl;
            while ((nl = buf.find("\r\n")) == std::string::npos) {
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, 10000) <= 0)
                    return;
                ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
                if (n <= 0)
                    return;
                buf.append(chunk, static_cast<size_t>(n));
            }
            std::string line = buf.substr(0, nl);
            buf.erase(0, nl + 2);
            auto sp = line.find(' ');
            std::string tag = line.substr(0, sp),
                        cmd = sp == std::string::npos ? "" : line.substr(sp + 1);
            std::string reply = answer(tag, cmd);
            const std::string close_marker = kClose;
            if (reply.size() >= close_marker.size() &&
                reply.compare(reply.size() - close_marker.size(), close_marker.size(),
                              close_marker) == 0) {
                send_all(fd, reply.substr(0, reply.size() - close_marker.size()));
                return;  // hang up after these bytes
            }
            if (reply.rfind(kStall, 0) == 0) {
                send_all(fd, reply.substr(std::string(kStall).size()));
                wait_for_close(fd);
                return;
            }
            send_all(fd, reply);
        }
    };
}

std::function<void(int)> fake_mailbox(std::function<std::string(const std::string&)> on_fetch) {
    return scripted_imap([on_fetch](const std::string& tag, const std::string& cmd) -> std::string {
        if (cmd.rfind("CAPABILITY", 0) == 0)
            return "* CAPABILITY IMAP4rev1\r\n" + tag + " OK done\r\n";
        if (cmd.rfind("LOGIN", 0) == 0)
            return tag + " OK logged in\r\n";
        if (cmd.rfind("EXAMINE", 0) == 0)
            return "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" + tag + " OK [READ-ONLY] done\r\n";
        if (cmd.find("FETCH") != std::string::npos)
            return on_fetch(tag);
        if (cmd == "LOGOUT")
            return "* BYE bye\r\n" + tag + " OK done\r\n";
        return tag + " BAD unexpected\r\n";
    });
}

std::vector<std::string> fake_args(int port) {
    return {"--host", "127.0.0.1", "--port", std::to_string(port), "--user", "u", "--tls",
            "none",   "--timeout", "3",      "--connect-timeout",  "3"};
}
const std::vector<std::string> kFakePassword{"IMAPMIRROR_PASSWORD=pw-not-checked"};

}  // namespace imapmirror::test
