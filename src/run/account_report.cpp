#include "run/account_report.hpp"

namespace imapmirror::run {

AccountReport report_of(const ChildOutcome& child, int partial_code) {
    AccountReport r;
    r.child = &child;
    if (!child.started) {
        r.error = "not run: interrupted before its turn";
        return r;
    }
    if (auto parsed = core::parse_json(child.out);
        parsed && parsed->type() == core::JsonValue::Type::Object)
        r.summary = std::move(*parsed);
    auto text = [](const core::JsonValue* v) {
        return v && v->as_string() ? *v->as_string() : std::string();
    };
    if (r.summary) {
        if (const auto* failure = r.summary->find("error")) {
            // report_error's object: the run stopped before it began.
            r.errors = 1;
            r.error = text(failure->find("message"));
            if (auto hint = text(failure->find("hint")); !hint.empty())
                r.error += ": " + hint;
        } else {
            if (const auto* m = r.summary->find("messages"))
                r.messages = m->as_uint();
            if (const auto* b = r.summary->find("bytes"))
                r.bytes = b->as_uint();
            if (const auto* errors = r.summary->find("errors")) {
                const auto& list = errors->items();
                r.errors = list.size();
                // A fatal error is the last one; otherwise the first says the most.
                if (!list.empty())
                    r.error = text((child.exit_code == partial_code ? list.front() : list.back())
                                       .find("message"));
                if (list.size() > 1 && child.exit_code == partial_code)
                    r.error += " (and " + std::to_string(list.size() - 1) + " more)";
            }
        }
    }
    if (child.exit_code != 0 && r.error.empty())
        r.error = !child.last_error.empty() ? child.last_error
                                            : "exited with code " + std::to_string(child.exit_code);
    if (child.exit_code != 0 && r.errors == 0)
        r.errors = 1;
    return r;
}

}  // namespace imapmirror::run
