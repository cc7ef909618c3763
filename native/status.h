// Status codes instead of exceptions: nothing under native/ or kernels/ throws, aborts or exits.
// The binding turns a non-ok status into a JS KernelError with the same code string.
#pragma once
#include <string>
#include <utility>

namespace xemb {

enum class status_code : int {
    ok = 0,
    invalid_argument,   // wrong shape, dtype, device mix, out-of-range index
    unsupported,        // valid request this backend cannot run (dtype, op)
    out_of_memory,
    device_error,       // a device call failed; the device may still be usable
    device_lost,        // sticky fault: the device context is unusable
    unavailable,        // backend not compiled in, or no driver/device
    io_error,           // a file could not be opened, read or mapped
    cancelled,          // the caller cancelled the work (an upload's AbortSignal)
    internal,
};

inline const char * status_code_name(status_code c) {
    switch (c) {
        case status_code::ok:               return "OK";
        case status_code::invalid_argument: return "INVALID_ARGUMENT";
        case status_code::unsupported:      return "UNSUPPORTED";
        case status_code::out_of_memory:    return "OUT_OF_MEMORY";
        case status_code::device_error:     return "DEVICE_ERROR";
        case status_code::device_lost:      return "DEVICE_LOST";
        case status_code::unavailable:      return "UNAVAILABLE";
        case status_code::io_error:         return "IO_ERROR";
        case status_code::cancelled:        return "CANCELLED";
        case status_code::internal:         return "INTERNAL";
    }
    return "INTERNAL";
}

struct status {
    status_code code = status_code::ok;
    std::string message;  // names the argument, the expected and the received value
    std::string op;       // registry op name, when the failure belongs to an op

    bool ok() const { return code == status_code::ok; }
    static status success() { return {}; }
};

inline status make_status(status_code c, std::string msg) { return status{c, std::move(msg), {}}; }
inline status invalid_arg(std::string msg) { return make_status(status_code::invalid_argument, std::move(msg)); }

}  // namespace xemb

#define XEMB_RETURN_IF_ERROR(expr)              \
    do {                                        \
        ::xemb::status xemb_st_ = (expr);       \
        if (!xemb_st_.ok()) return xemb_st_;    \
    } while (0)
