#include <cstdio>

int main() {
    std::puts("kemu-system-x86_64 " KEMU_VERSION);
    return 0;
}
