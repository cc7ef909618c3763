// Test program for the CUDA emulator (kernels/emu): kernels written like kernels/cuda/*.cu against
// the prim/ surface, run on fibers and compared with host computations; plus the three planted
// bugs (missing barrier, off-by-one global write, wrong shuffle source lane) and the emulator's
// error reports. Usage: emu-test [--bench]; EMU_TEST_VERBOSE=1 appends each expected report to its
// PASS line. Exit status 1 if any check failed.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../emu.h"
#include "check.h"

namespace emu_test {

namespace {
int passed = 0, failed = 0;
}

void check(bool ok, const std::string & name, const std::string & detail) {
    if (ok) {
        ++passed;
        std::printf("PASS %s\n", name.c_str());
    } else {
        ++failed;
        std::printf("FAIL %s: %s\n", name.c_str(), detail.empty() ? "check failed" : detail.c_str());
    }
    std::fflush(stdout);
}

bool has(const std::string & s, const std::string & sub) { return s.find(sub) != std::string::npos; }

void expect_fault(const xemb::status & st, const std::string & name, const std::vector<std::string> & want) {
    if (st.ok()) return check(false, name, "the launch succeeded; a fault was expected");
    for (const std::string & w : want)
        if (!has(st.message, w)) return check(false, name, "message lacks \"" + w + "\": " + st.message);
    // EMU_TEST_VERBOSE=1 shows the report itself on the PASS line
    check(true, std::getenv("EMU_TEST_VERBOSE") ? name + " -- " + st.message : name);
}

void expect_ok(const xemb::status & st, const std::string & name) { check(st.ok(), name, st.message); }

}  // namespace emu_test

int main(int argc, char ** argv) {
    using namespace emu_test;
    if (argc > 1 && std::strcmp(argv[1], "--bench") == 0) {
        run_bench();
        return 0;
    }
    // Reports name the threads the forward schedule meets first; tests that exercise other
    // schedules set them explicitly (XEMB_EMU_SCHEDULE is for other users of the emulator).
    xemb::emu::thread_options().order = xemb::emu::schedule::forward;
    run_basic_tests();
    run_warp_tests();
    run_matmul_tests();
    run_bug_tests();
    run_async_race_tests();
    run_error_tests();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
