// N-API <-> native helpers: integer arrays, device lookup, attribute objects.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "../native/device.h"
#include "../native/op-args.h"

namespace xemb::js {

std::vector<int64_t> int_array(Napi::Env env, Napi::Value v, const char * what);
int64_t int_arg(Napi::Env env, Napi::Value v, const char * what);
device * device_arg(Napi::Env env, Napi::Value v, const char * what);
void read_attrs(Napi::Env env, Napi::Value v, std::vector<std::pair<std::string, attr_value>> & out);
Napi::Array int_list(Napi::Env env, const shape_t & s);

}  // namespace xemb::js
