#include "config.h"

#include "log.h"
#include "zap.h"

static void
zap_actor(zsock_t *pipe, void *args)
{
	zsock_t *handler = zsock_new_rep("inproc://zeromq.zap.01");
	zpoller_t *poller;

	(void)args;
	zsock_signal(pipe, 0);
	poller = zpoller_new(pipe, handler, NULL);
	while (handler != NULL) {
		void *which = zpoller_wait(poller, -1);
		char *version, *sequence, *domain, *address, *identity,
		    *mechanism;
		zframe_t *key;

		if (which == pipe || which == NULL)
			break; /* $TERM or interrupted */
		if (zsock_recv(handler, "ssssssf", &version, &sequence,
			&domain, &address, &identity, &mechanism, &key) != 0)
			continue;
		if (key != NULL && zframe_size(key) == 32 &&
		    streq(mechanism, "CURVE")) {
			char z85[41];

			zmq_z85_encode(z85, zframe_data(key), 32);
			zsock_send(handler, "ssssss", "1.0", sequence, "200",
			    "OK", z85, "");
		} else {
			log_warning("refused a %s connection from %s",
			    mechanism, address);
			zsock_send(handler, "ssssss", "1.0", sequence, "400",
			    "CURVE only", "", "");
		}
		zstr_free(&version);
		zstr_free(&sequence);
		zstr_free(&domain);
		zstr_free(&address);
		zstr_free(&identity);
		zstr_free(&mechanism);
		zframe_destroy(&key);
	}
	zpoller_destroy(&poller);
	zsock_destroy(&handler);
}

zactor_t *
zap_new(void)
{
	return zactor_new(zap_actor, NULL);
}
