#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "run/metrics_file.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror::run;
using imapmirror::test::TempDir;
namespace fs = std::filesystem;

namespace {

RunMetrics failed_night() {
    RunMetrics m;
    m.account = "work";
    m.finished_at = 1'800'000'000;
    m.exit_code = 6;
    m.seconds = 15.25;
    m.errors = 1;
    m.failed_runs_in_row = 3;
    return m;
}

}  // namespace

TEST_CASE("metrics: each metric once with HELP and TYPE, labelled by account", "[run]") {
    auto m = failed_night();
    m.last_success = 1'799'740'800;
    m.messages = 12;
    m.bytes = 34567;
    m.quirks = 2;
    const std::string text = format_metrics(m);
    CHECK(text.find("# TYPE imapmirror_last_success_timestamp_seconds gauge\n"
                    "imapmirror_last_success_timestamp_seconds{account=\"work\"} 1799740800\n") !=
          std::string::npos);
    CHECK(text.find("imapmirror_last_run_timestamp_seconds{account=\"work\"} 1800000000\n") !=
          std::string::npos);
    CHECK(text.find("imapmirror_last_exit_code{account=\"work\"} 6\n") != std::string::npos);
    CHECK(text.find("imapmirror_failed_runs{account=\"work\"} 3\n") != std::string::npos);
    CHECK(text.find("imapmirror_fetched_messages{account=\"work\"} 12\n") != std::string::npos);
    CHECK(text.find("imapmirror_fetched_bytes{account=\"work\"} 34567\n") != std::string::npos);
    CHECK(text.find("imapmirror_run_duration_seconds{account=\"work\"} 15.250\n") !=
          std::string::npos);
    CHECK(text.find("imapmirror_run_errors{account=\"work\"} 1\n") != std::string::npos);
    CHECK(text.find("imapmirror_run_quirks{account=\"work\"} 2\n") != std::string::npos);
    // One HELP per metric: node_exporter refuses a file that repeats a family.
    size_t helps = 0;
    for (size_t p = text.find("# HELP "); p != std::string::npos; p = text.find("# HELP ", p + 1))
        ++helps;
    CHECK(helps == 9);
}

TEST_CASE("metrics: never backed up is a last success of 0, and label values are escaped",
          "[run]") {
    auto m = failed_night();
    m.account = "a\"b\\c\nd";
    const std::string text = format_metrics(m);
    CHECK(text.find("imapmirror_last_success_timestamp_seconds{account=\"a\\\"b\\\\c\\nd\"} 0\n") !=
          std::string::npos);
}

TEST_CASE("metrics: the file is replaced whole, readable by the collector's user", "[run]") {
    TempDir dir;
    const std::string path = (fs::path(dir.path) / "imapmirror-work.prom").string();
    { std::ofstream(path) << "old half-written"; }
    REQUIRE(write_metrics_file(path, failed_night()));
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    CHECK(s.str() == format_metrics(failed_night()));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    // No temporary file is left for the collector to read.
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir.path)) {
        (void)e;
        ++files;
    }
    CHECK(files == 1);

    auto refused =
        write_metrics_file((fs::path(dir.path) / "missing" / "x.prom").string(), failed_night());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().describe().find("missing") != std::string::npos);
}
