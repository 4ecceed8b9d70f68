// User- and configuration-level errors (channel (a) in docs/architecture.md).
// Guest-caused anomalies never use this: they are logged and answered as hardware would.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kemu {

// A short message, optionally prefixed with context ("-m foo: invalid size"). An error
// raised because of another keeps that one as its cause, so code can still ask what
// went wrong underneath while the message reads as one line.
class Error {
  public:
    explicit Error(std::string message) : message_(std::move(message)) {}
    // message() reads "<message>: <cause's message>".
    Error(const std::string& message, Error cause)
        : message_(message + ": " + cause.message_),
          cause_(std::make_shared<const Error>(std::move(cause))) {}

    const std::string& message() const { return message_; }
    // The error this one wraps, or null.
    const Error* cause() const { return cause_.get(); }

    // Returns an error whose message reads "<context>: <message>" and whose cause is this one.
    Error with_context(const std::string& context) const { return Error(context, *this); }

  private:
    std::string message_;
    std::shared_ptr<const Error> cause_;
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

// Early return on failure: KEMU_TRY(x, expr) declares `x` as the value of the Result `expr`
// or returns its error from the enclosing function. It declares variables, so it stands as a
// statement of its own (not as the body of an unbraced if).
#define KEMU_TRY(x, expr)                                \
    auto kemu_try_##x = (expr);                          \
    if (!kemu_try_##x.ok()) return kemu_try_##x.error(); \
    auto x = std::move(kemu_try_##x).value()

#define KEMU_TRY_VOID(expr)                                          \
    do {                                                             \
        auto kemu_try_result_ = (expr);                              \
        if (!kemu_try_result_.ok()) return kemu_try_result_.error(); \
    } while (0)

// Internal invariants only (channel (c)); never on guest-controlled values.
#define KEMU_ASSERT(cond) assert(cond)
