// Output to a file (-serial file:PATH). Input never arrives.
#pragma once

#include <memory>

#include "chardev/chardev.h"
#include "system/error.h"
#include "system/unique_fd.h"

namespace kemu {

class FileChardev final : public Chardev {
  public:
    // Truncates the file unless `append` is set.
    static Result<std::unique_ptr<FileChardev>> create(std::string id, const std::string& path,
                                                       bool append);

    std::string filename() const override { return "file:" + path_; }
    void write(std::span<const uint8_t> data) override;

  private:
    FileChardev(std::string id, std::string path, UniqueFd fd)
        : Chardev(std::move(id)), path_(std::move(path)), fd_(std::move(fd)) {}

    std::string path_;
    UniqueFd fd_;
};

}  // namespace kemu
