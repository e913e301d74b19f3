// HTML bombs: each costs a bounded time and memory, and gives bounded text. The time checks are
// generous (a 2 MB bomb in 10 s of CPU, ASan included): before the bounds each took minutes.

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "core/interrupt.hpp"
#include "hostile_messages.hpp"
#include "mime/body_text.hpp"
#include "mime/html_tree.hpp"

using namespace imapmirror;
using namespace imapmirror::mime;
using imapmirror::test::repeat;

namespace {

double cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Converted {
    BodyText body;
    double seconds;
};

Converted convert(const std::string& html) {
    const double start = cpu_seconds();
    BodyText body = html_to_text(html);
    return {std::move(body), cpu_seconds() - start};
}

constexpr double kGenerousSeconds = 10;
constexpr size_t kTwoMB = 2 << 20;

}  // namespace

TEST_CASE("html bounds: stray end tags do not hide nesting from the depth bound", "[mime]") {
    // "</x>" closes nothing: the divs stay open, 2 MB of them.
    const auto r = convert("<p>before</p>" + repeat("<div></x>", kTwoMB) + "after");
    CHECK(r.seconds < kGenerousSeconds);
    CHECK(r.body.truncated);
    CHECK(r.body.text == "before");
    CHECK(bounded_prefix(repeat("<div></x>", 10000), {}) == 256 * 9);
}

TEST_CASE("html bounds: self-closed divs count as open, void elements do not", "[mime]") {
    CHECK(bounded_prefix(repeat("<div/>", 10000), {}) == 256 * 6);
    const std::string voids = repeat("<br/><img src=x><hr>", 100000);
    CHECK(bounded_prefix(voids, {}) == voids.size());
    const std::string svg = "<svg>" + repeat("<path d='M0'/>", 10000) + "</svg>";
    CHECK(bounded_prefix(svg, {}) == svg.size());
}

TEST_CASE("html bounds: many scripts cost time linear in their size", "[mime]") {
    const auto r = convert(repeat("<script>var a = 1;</script>t ", kTwoMB));
    CHECK(r.seconds < kGenerousSeconds);
    CHECK(r.body.text.size() <= BodyLimits{}.max_text);
    CHECK(r.body.text.rfind("t t t", 0) == 0);
    // A script's end tag in any case, found without copying what follows.
    CHECK(html_to_text("<SCRIPT>x</ScRiPt>shown").text == "shown");
    CHECK(html_to_text("<script>x").text.empty());
}

TEST_CASE("html bounds: a table of a million cells stays within the tree's memory bound",
          "[mime]") {
    const std::string html = "<table><tr>" + repeat("<td>x", 5 << 20) + "</table>";
    const double start = cpu_seconds();
    const HtmlTree tree(html);
    CHECK(cpu_seconds() - start < kGenerousSeconds * 2);
    CHECK(tree.root() != nullptr);
    CHECK(tree.cut());
    CHECK(tree.peak_bytes() <= HtmlBounds{}.max_tree_bytes);
    const auto r = convert(html);
    CHECK(r.body.truncated);
    CHECK(r.body.text.rfind("x  x  x", 0) == 0);
    CHECK(r.body.text.size() <= BodyLimits{}.max_text);
}

TEST_CASE("html bounds: formatting elements cloned over and over stay within memory", "[mime]") {
    // Each "<div>x</div>" makes gumbo re-open the 200 <b> elements that </div> closed.
    std::string html = "<div>";
    for (int i = 0; i < 200; ++i)
        html += "<b id=" + std::to_string(i) + ">";
    html += "</div>" + repeat("<div>x</div>", kTwoMB);
    const double start = cpu_seconds();
    const HtmlTree tree(html);
    CHECK(cpu_seconds() - start < kGenerousSeconds);
    CHECK(tree.cut());
    CHECK(tree.peak_bytes() <= HtmlBounds{}.max_tree_bytes);
}

TEST_CASE("html bounds: a tag with too many attributes ends what is parsed", "[mime]") {
    std::string tag = "<p>before</p><a";
    for (int i = 0; i < 300000; ++i)
        tag += " a" + std::to_string(i) + "=\"v>\"";
    const auto r = convert(tag + ">after");
    CHECK(r.seconds < kGenerousSeconds);
    CHECK(r.body.truncated);
    CHECK(r.body.text == "before");
    CHECK_FALSE(html_to_text("<a href='x' title=\"a > b\" class=c data-x>y</a>").truncated);
}

TEST_CASE("html bounds: comments end where HTML5 ends them", "[mime]") {
    // "<!-->" and "--!>" end a comment: the tags after them are counted.
    for (const char* open : {"<!-->", "<!--->", "<!-- x --!>"}) {
        const std::string html = std::string(open) + repeat("<div>", 10000) + "-->";
        CHECK(bounded_prefix(html, {}) < html.size());
    }
    const std::string commented = "<!--" + repeat("<div>", 10000) + "-->";
    CHECK(bounded_prefix(commented, {}) == commented.size());
}

TEST_CASE("html bounds: untidy real mail with optional end tags is not cut", "[mime]") {
    // Cells, rows, list items and paragraphs left open, fonts closed by the cell's end: depth
    // stays small however long the message.
    std::string html = "<table>";
    for (int i = 0; i < 3000; ++i)
        html += "<tr><td><font face=Arial>a</td><td><p>b<p>c</td>";
    html += "</table><ul>" + repeat("<li><span>i", 30000) + "</ul>";
    html += "<dl>" + repeat("<dt>t<dd>d", 30000) + "</dl>";
    const auto r = html_to_text(html, 10 << 20);
    CHECK_FALSE(r.truncated);
    CHECK(bounded_prefix(html, {}) == html.size());
}

#if defined(__SANITIZE_ADDRESS__)
constexpr auto kInterruptWithin = std::chrono::seconds(60);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr auto kInterruptWithin = std::chrono::seconds(60);
#else
constexpr auto kInterruptWithin = std::chrono::seconds(5);
#endif
#else
constexpr auto kInterruptWithin = std::chrono::seconds(5);
#endif

TEST_CASE("html bounds: SIGTERM stops a conversion that is under way", "[mime]") {
    // In a child, as the interrupt flag cannot be reset: an input whose parse would take far
    // longer than the bounds allow is given bounds far too wide; SIGTERM must still end it.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        core::install_interrupt_handler();
        std::string html = "<div>";
        for (int i = 0; i < 200; ++i)
            html += "<b id=" + std::to_string(i) + ">";
        html += "</div>" + repeat("<div>x</div>", 8 << 20);
        HtmlBounds unbounded;
        unbounded.max_tree_bytes = size_t{256} << 20;  // far more than 100 ms can fill
        unbounded.cpu_seconds_base = 1e6;
        std::thread killer([] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            ::kill(::getpid(), SIGTERM);
        });
        const auto start = std::chrono::steady_clock::now();
        const HtmlTree tree(html, unbounded);
        const auto took = std::chrono::steady_clock::now() - start;
        killer.join();
        // Far less than the parse would take unbounded (minutes); a sanitizer build runs the
        // linear pre-scan of these 100 MB many times slower, so it is given more.
        ::_exit(tree.interrupted() && took < kInterruptWithin ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
