// Running an op: parse + validate params on the calling thread, ask the backend whether it
// supports them, allocate outputs, enqueue the kernel on the device's queue, return outputs.
#pragma once
#include <vector>
#include "op-args.h"
#include "registry.h"

namespace xemb {

status run_op(op_id id, op_args & args, std::vector<tensor> & outputs);

// Whether `dev` can run op `id` for these args (parse + supports, nothing enqueued).
status check_op(op_id id, op_args & args);

}  // namespace xemb
