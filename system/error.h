// User- and configuration-level errors (channel (a) in docs/architecture.md).
// Guest-caused anomalies never use this: they are logged and answered as hardware would.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kemu {

// A short message, optionally prefixed with context ("-m foo: invalid size").
class Error {
  public:
    explicit Error(std::string message) : message_(std::move(message)) {}

    const std::string& message() const { return message_; }

    // Returns a copy whose message reads "<context>: <message>".
    Error with_context(const std::string& context) const {
        return Error(context + ": " + message_);
    }

  private:
    std::string message_;
};

// std::expected-shaped result; replace with std::expected when we move to C++23.
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(state_); }

  private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *error_; }

  private:
    std::optional<Error> error_;
};

inline Result<void> ok() {
    return {};
}

}  // namespace kemu

// Early return on failure: KEMU_TRY(x, expr) binds x to the value or returns the error.
#define KEMU_TRY_VOID(expr)                                          \
    do {                                                             \
        auto kemu_try_result_ = (expr);                              \
        if (!kemu_try_result_.ok()) return kemu_try_result_.error(); \
    } while (0)

// Internal invariants only (channel (c)); never on guest-controlled values.
#define KEMU_ASSERT(cond) assert(cond)
