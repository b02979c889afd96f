# Reads an action's parameters from stdin in Attune's dotenv format into the associative array
# PARAMS. Each line is `name=value`; in a value a backslash is written `\\`, a newline `\n` and a
# carriage return `\r`. Values are decoded with printf %b into a variable and never evaluated, so
# quotes, $(...) and backticks stay plain text. Source this file, then call read_params.
declare -gA PARAMS=()

read_params() {
  local line name raw value
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line == *=* ]] || continue
    name=${line%%=*}
    raw=${line#*=}
    printf -v value '%b' "$raw"
    PARAMS[$name]=$value
  done
}
