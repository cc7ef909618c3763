#include "queue.h"

#include <chrono>
#include <exception>
#include <new>

namespace xemb {

device_queue::device_queue(std::string name) : name_(std::move(name)) {}

device_queue::~device_queue() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void device_queue::set_thread_init(std::function<void()> fn) {
    std::lock_guard<std::mutex> lk(mu_);
    thread_init_ = std::move(fn);
}

void device_queue::push(task t) {
    std::vector<task> dead;
    {
        std::lock_guard<std::mutex> lk(graveyard_mu_);
        dead.swap(graveyard_);
    }
    dead.clear();
    bool notify;
    {
        std::lock_guard<std::mutex> lk(mu_);
        // the worker starts lazily so that loading the addon costs no thread per device
        if (!started_) {
            started_ = true;
            worker_ = std::thread([this] { run(); });
        }
        notify = sleeping_;
        tasks_.push_back(std::move(t));
        queued_.store(tasks_.size(), std::memory_order_release);
    }
    if (notify) cv_.notify_one();
}

void device_queue::enqueue(const char * op, task_fn fn) { push(task{op, std::move(fn), nullptr, false}); }

void device_queue::enqueue_sync(sync_fn fn, bool consume) { push(task{"sync", nullptr, std::move(fn), consume}); }

size_t device_queue::pending() const {
    std::lock_guard<std::mutex> lk(mu_);
    return tasks_.size();
}

void device_queue::bury(task && t) {
    std::vector<task> dead;
    {
        std::lock_guard<std::mutex> lk(graveyard_mu_);
        graveyard_.push_back(std::move(t));
        // while JS awaits a long queue nobody pushes: free here rather than hold intermediates
        if (graveyard_.size() >= 64) dead.swap(graveyard_);
    }
}

void device_queue::run() {
    {
        std::function<void()> init;
        {
            std::lock_guard<std::mutex> lk(mu_);
            init = thread_init_;
        }
        if (init) init();
    }
    for (;;) {
        task t;
        {
            std::unique_lock<std::mutex> lk(mu_);
            if (tasks_.empty() && !stop_) {
                // Op calls arrive microseconds apart during a forward pass: poll briefly before
                // sleeping so that the JS thread rarely has to pay for a futex wake-up.
                lk.unlock();
                auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
                while (queued_.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < until)
                    std::this_thread::yield();
                if (queued_.load(std::memory_order_acquire) == 0) {
                    // going to sleep: nobody is enqueuing, so free what finished tasks hold now
                    std::vector<task> dead;
                    {
                        std::lock_guard<std::mutex> g(graveyard_mu_);
                        dead.swap(graveyard_);
                    }
                }
                lk.lock();
            }
            sleeping_ = true;
            cv_.wait(lk, [&] { return stop_ || !tasks_.empty(); });
            sleeping_ = false;
            if (tasks_.empty()) return;  // stop requested and drained
            t = std::move(tasks_.front());
            tasks_.pop_front();
            queued_.store(tasks_.size(), std::memory_order_release);
        }
        if (t.sync) {
            {
                // a sync point promises that finished work has let go of its memory
                std::vector<task> dead;
                std::lock_guard<std::mutex> g(graveyard_mu_);
                dead.swap(graveyard_);
            }
            status st = pending_error_;
            if (t.consume) pending_error_ = status::success();
            try {
                t.sync(std::move(st));
            } catch (...) {
                // a sync callback only formats results; nothing may escape a queue thread
            }
            bury(std::move(t));
            continue;
        }
        status st;
        // Kernels return statuses; an exception (say bad_alloc in a kernel's scratch buffer)
        // must still not take the process down.
        try {
            st = t.fn();
        } catch (const std::bad_alloc &) {
            st = make_status(status_code::out_of_memory, "out of host memory while running the op");
        } catch (const std::exception & e) {
            st = make_status(status_code::internal, std::string("unexpected exception: ") + e.what());
        } catch (...) {
            st = make_status(status_code::internal, "unexpected exception");
        }
        if (!st.ok() && pending_error_.ok()) {
            if (st.op.empty()) st.op = t.op;
            pending_error_ = std::move(st);
        }
        bury(std::move(t));
    }
}

}  // namespace xemb
