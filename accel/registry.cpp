#include "accel/registry.h"

#include "accel/kvm/kvm_accelerator.h"
#include "accel/null_accelerator.h"
#include "accel/tcg/tcg_accelerator.h"

namespace kemu {

namespace {

struct AccelInfo {
    const char* name;
    std::unique_ptr<Accelerator> (*create)();
    const char* unavailable;  // non-null: known name, not usable in this build yet
};

constexpr AccelInfo kAccelerators[] = {
    {"kvm", [] { return std::unique_ptr<Accelerator>(new KvmAccelerator); }, nullptr},
    {"tcg", [] { return std::unique_ptr<Accelerator>(new TcgAccelerator); }, nullptr},
    {"null", [] { return std::unique_ptr<Accelerator>(new NullAccelerator); }, nullptr},
};

}  // namespace

Result<std::unique_ptr<Accelerator>> create_accelerator(std::string_view name) {
    for (const AccelInfo& a : kAccelerators) {
        if (name != a.name) continue;
        if (a.unavailable) return Error(a.unavailable);
        return a.create();
    }
    return Error("invalid accelerator " + std::string(name));
}

std::string accelerators_help() {
    std::string out = "Accelerators supported in KEMU binary:";
    for (const AccelInfo& a : kAccelerators)
        if (!a.unavailable) out += std::string("\n") + a.name;
    return out;
}

}  // namespace kemu
