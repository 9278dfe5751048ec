package dev.cloudwarden;

import dev.cloudwarden.tenancy.MigrateCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class CloudwardenApplication {

    public static void main(String[] args) {
        if (MigrateCommand.requested(args)) {
            MigrateCommand.run(args); // a context of its own: the database settings, no server
            return;
        }
        SpringApplication.run(CloudwardenApplication.class, args);
    }
}
