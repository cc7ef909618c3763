// Read-only memory mappings of weight files. CPU tensors made from a mapping are views into it
// (no copy) and keep it alive; the mapping is unmapped when the last of them is freed.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "device.h"
#include "tensor.h"

namespace xemb {

struct file_mapping {
    const unsigned char * base = nullptr;  // nullptr for an empty file
    size_t size = 0;
    std::string path;
    file_mapping() = default;
    file_mapping(const file_mapping &) = delete;
    file_mapping & operator=(const file_mapping &) = delete;
    ~file_mapping();
};
using mapping_ptr = std::shared_ptr<const file_mapping>;

status map_file(const std::string & path, mapping_ptr & out);
// Maps the regular file open as `fd` (the caller keeps and closes it), so that the mapping shows
// exactly the file the caller validated; `label` names it in messages.
status map_fd(int fd, const std::string & label, mapping_ptr & out);

// A tensor of `type` and `shape` whose bytes are [offset, offset + bytes) of the mapping. On the
// CPU with an offset aligned to the element size: a read-only view of the mapping. Otherwise (a
// misaligned offset, or another device) a copy made in queue order; other devices get it through
// the staged upload of native/upload.h.
status tensor_from_mapping(const mapping_ptr & m, size_t offset, dtype type, const shape_t & shape, device * dev, tensor & out);

}  // namespace xemb
