#include "mapping.h"

#include "upload.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xemb {

file_mapping::~file_mapping() {
    if (base) munmap(const_cast<unsigned char *>(base), size);
}

status map_fd(int fd, const std::string & label, mapping_ptr & out) {
    struct stat st {};
    if (fstat(fd, &st) != 0) return make_status(status_code::io_error, "cannot stat " + label + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return make_status(status_code::io_error, label + " is not a regular file");
    auto m = std::make_shared<file_mapping>();
    m->path = label;
    m->size = static_cast<size_t>(st.st_size);
    if (m->size > 0) {
        void * p = mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) return make_status(status_code::io_error, "cannot map " + label + ": " + std::strerror(errno));
        m->base = static_cast<const unsigned char *>(p);
    }
    out = std::move(m);
    return status::success();
}

status map_file(const std::string & path, mapping_ptr & out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_status(status_code::io_error, "cannot open " + path + ": " + std::strerror(errno));
    status st = map_fd(fd, path, out);
    ::close(fd);  // the mapping stays valid without the descriptor
    return st;
}

status tensor_from_mapping(const mapping_ptr & m, size_t offset, dtype type, const shape_t & shape, device * dev, tensor & out) {
    const size_t bytes = static_cast<size_t>(shape.numel()) * dtype_size(type);
    if (offset > m->size || bytes > m->size - offset)
        return invalid_arg("mapping: expected bytes [" + std::to_string(offset) + ", " + std::to_string(offset) + " + " + std::to_string(bytes) +
                           ") inside " + m->path + " of " + std::to_string(m->size) + " bytes");
    tensor t;
    t.type = type;
    t.shape = shape;
    t.strides = contiguous_strides(shape);
    const bool cpu = dev->info().backend == "cpu";
    if (cpu && offset % dtype_size(type) == 0 && bytes > 0) {
        auto s = std::make_shared<storage>();
        s->dev = dev;
        s->data = const_cast<unsigned char *>(m->base + offset);  // read-only pages: ops only read inputs
        s->bytes = bytes;
        s->producer = "mapping";
        mapping_ptr keep = m;
        s->release = [keep](storage &) {};  // the view owns a reference to the mapping, nothing else
        t.store = std::move(s);
        out = std::move(t);
        return status::success();
    }
    if (!cpu) return upload_from_mapping(m, offset, type, shape, dev, upload_options{}, out);
    // misaligned on the CPU: one copy in queue order (element loads need aligned addresses)
    XEMB_RETURN_IF_ERROR(dev->allocate(bytes, t.store));
    t.store->producer = "mapping";
    storage_ptr dst = t.store;
    mapping_ptr keep = m;
    dev->queue().enqueue("load", [dev, dst, keep, offset, bytes]() -> status {
        if (!bytes) return status::success();
        status st = dev->copy_from_host(dst->data, keep->base + offset, bytes);
        if (!st.ok()) dst->poison = std::make_shared<const status>(st);
        return st;
    });
    out = std::move(t);
    return status::success();
}

}  // namespace xemb
