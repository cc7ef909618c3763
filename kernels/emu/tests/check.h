// Minimal check harness for the emulator test program: one line per check, "PASS name" or
// "FAIL name: detail", then "N passed, M failed".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../../../native/status.h"

namespace emu_test {

void check(bool ok, const std::string & name, const std::string & detail = "");
bool has(const std::string & s, const std::string & sub);
// PASS iff `st` failed with every fragment in `want` in its message (detail shows the message).
void expect_fault(const xemb::status & st, const std::string & name, const std::vector<std::string> & want);
// PASS iff `st` is ok.
void expect_ok(const xemb::status & st, const std::string & name);

void run_basic_tests();
void run_warp_tests();
void run_bug_tests();
void run_async_race_tests();
void run_error_tests();
void run_matmul_tests();
void run_bench();

}  // namespace emu_test
