# flags.cmake -- warnings and sanitizers as interface targets, applied per target.

add_library(samvirke_warnings INTERFACE)
target_compile_options(samvirke_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wformat=2 -Wwrite-strings -Wstrict-prototypes
  -Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wcast-qual
  -Wvla -Wnull-dereference -Wimplicit-fallthrough -Wundef)
if(SAMVIRKE_WERROR)
  target_compile_options(samvirke_warnings INTERFACE -Werror)
endif()
target_compile_definitions(samvirke_warnings INTERFACE _XOPEN_SOURCE=700 _DEFAULT_SOURCE)

add_library(samvirke_sanitizers INTERFACE)
if(SAMVIRKE_SANITIZERS)
  target_compile_options(samvirke_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(samvirke_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(SAMVIRKE_TSAN)
  if(SAMVIRKE_SANITIZERS)
    message(FATAL_ERROR "SAMVIRKE_TSAN and SAMVIRKE_SANITIZERS cannot be combined: build two trees")
  endif()
  # -O1: ThreadSanitizer slows code 5-15 times; unoptimised on top would time tests out.
  target_compile_options(samvirke_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer -O1)
  target_link_options(samvirke_sanitizers INTERFACE -fsanitize=thread)
endif()
if(SAMVIRKE_FUZZING)
  # Coverage instrumentation for the libraries, so libFuzzer sees into them.
  target_compile_options(samvirke_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()

# samvirke_apply_flags(TARGET) -- warnings + sanitizers for one of our own targets.
function(samvirke_apply_flags tgt)
  target_link_libraries(${tgt} PRIVATE samvirke_warnings samvirke_sanitizers)
endfunction()
