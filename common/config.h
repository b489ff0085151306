#ifndef SCIM_COMMON_CONFIG_H_
#define SCIM_COMMON_CONFIG_H_

#include <string>
#include <utility>
#include <vector>

namespace scim {

// Settings come from the environment (the run contract in DESIGN.md), and a
// `--name=value` flag overrides the variable of the same meaning.
class Config {
 public:
  Config(int argc, char** argv);

  // Flag `--flag=value`, else environment variable `env`, else `fallback`.
  std::string Get(const std::string& flag, const char* env,
                  const std::string& fallback) const;
  int GetInt(const std::string& flag, const char* env, int fallback) const;

  // One line per setting read so far, for the start-up log. Settings marked
  // secret are shown as "(set)" / "(unset)".
  void Print(const std::string& program) const;
  void MarkSecret(const std::string& flag);

 private:
  std::vector<std::pair<std::string, std::string>> flags_;
  mutable std::vector<std::pair<std::string, std::string>> seen_;
  std::vector<std::string> secrets_;
};

}  // namespace scim

#endif  // SCIM_COMMON_CONFIG_H_
