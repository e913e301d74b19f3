# Renders one scdoc source into a man page: cmake -DSCDOC=... -DIN=page.scd -DOUT=page -P this
# (scdoc reads stdin and writes stdout; a failed page must not be left half-written).
execute_process(COMMAND "${SCDOC}" INPUT_FILE "${IN}" OUTPUT_FILE "${OUT}.tmp"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE "${OUT}.tmp")
  message(FATAL_ERROR "scdoc failed on ${IN}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
