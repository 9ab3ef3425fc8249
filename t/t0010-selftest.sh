#!/bin/sh
test_description='the C self-tests of every library class'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'ioe-selftest lists its classes' '
	ioe-selftest -l >classes &&
	test -s classes
'

for class in $(ioe-selftest -l 2>/dev/null)
do
	test_expect_success "self-test of $class" "
		ioe-selftest -t $class >out 2>&1 || { cat out; false; }
	"
done

test_expect_success 'an unknown class is refused' '
	test_expect_code 2 ioe-selftest -t nosuchclass
'

test_done
