#include "core/interrupt.hpp"

#include <csignal>

namespace imapmirror::core {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;

void on_signal(int sig) {
    g_interrupted = 1;
    // The next one gets the default action: a user who insists is not kept waiting.
    std::signal(sig, SIG_DFL);
}
}  // namespace

void install_interrupt_handler() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR and we notice
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() {
    return g_interrupted != 0;
}

Error interrupted_error() {
    auto e = make_error(ErrorKind::Cancelled, "interrupted", Scope::Run);
    e.hint = "what was complete is kept; run again to resume";
    return e;
}

}  // namespace imapmirror::core
