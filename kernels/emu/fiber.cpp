// Fiber stacks and context switches for the emulator (see engine.h for the two implementations).
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "engine.h"

namespace xemb::emu::detail {

namespace {
constexpr uint64_t canary_word = 0x5ca1ab1edeadbeefULL;

size_t page_size() {
    static const size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return p;
}
}  // namespace

bool stack_alloc(stack & s, size_t bytes) {
    const size_t page = page_size();
    bytes = (bytes + page - 1) / page * page;
    const size_t total = bytes + page;
    void * m = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return false;
    mprotect(m, page, PROT_NONE);  // guard page: growing past the stack faults at once
    s.map = static_cast<unsigned char *>(m);
    s.map_bytes = total;
    s.lo = s.map + page;
    s.bytes = bytes;
    stack_canary_reset(s);
    return true;
}

void stack_free(stack & s) {
    if (s.map) munmap(s.map, s.map_bytes);
    s = stack{};
}

void stack_canary_reset(const stack & s) {
    auto * w = reinterpret_cast<uint64_t *>(s.lo);
    for (size_t i = 0; i < stack_canary_bytes / 8; ++i) w[i] = canary_word;
}

bool stack_canary_ok(const stack & s) {
    // The zone is the lowest 1 KiB; a fiber that wrote into it used more than bytes - 1 KiB.
    const auto * w = reinterpret_cast<const uint64_t *>(s.lo);
    for (size_t i = 0; i < stack_canary_bytes / 8; ++i)
        if (w[i] != canary_word) return false;
    return true;
}

#if defined(XEMB_EMU_ASM_SWITCH)

// xemb_emu_switch(void ** save_sp, void * load_sp): pushes the SysV callee-saved registers on
// the current stack, stores the stack pointer in *save_sp, switches to load_sp and pops the same
// frame from there. The MXCSR and x87 control words are not switched: all fibers of a host thread
// share them with the thread (nothing in the emulator or the kernels changes rounding modes), and
// reloading them cost a third of each switch.
extern "C" void xemb_emu_switch(void ** save_sp, void * load_sp);
asm(R"(
    .text
    .p2align 4
    .globl xemb_emu_switch
    .hidden xemb_emu_switch
    .type xemb_emu_switch, @function
xemb_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size xemb_emu_switch, .-xemb_emu_switch
)");

void context_start(context & c, const stack & s, void (*entry)()) {
    // Initial frame, as if xemb_emu_switch had saved it: six registers (zero), the entry as return
    // address, and a zero fake return address for entry itself, which therefore starts with
    // rsp = 8 mod 16 like any called function.
    auto * top = reinterpret_cast<uint64_t *>(s.lo + s.bytes);  // page aligned, so 16-aligned
    top[-1] = 0;
    top[-2] = reinterpret_cast<uint64_t>(entry);
    for (int i = 3; i <= 8; ++i) top[-i] = 0;  // rbp rbx r12 r13 r14 r15
    c.sp = top - 8;
}

void context_switch(context & from, context & to) { xemb_emu_switch(&from.sp, to.sp); }

#else

void context_start(context & c, const stack & s, void (*entry)()) {
    getcontext(&c.uc);
    c.uc.uc_stack.ss_sp = s.lo;
    c.uc.uc_stack.ss_size = s.bytes;
    c.uc.uc_link = nullptr;  // entry never returns
    makecontext(&c.uc, entry, 0);
}

void context_switch(context & from, context & to) { swapcontext(&from.uc, &to.uc); }

#endif

}  // namespace xemb::emu::detail
